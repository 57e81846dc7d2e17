import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import {
  candidatePool,
  classifyDemand,
  crostonFit,
  daysOfCover,
  ForecastInputError,
  fitEts,
  fitIntermittent,
  fitMethod,
  forecastDemand,
  holdoutLength,
  INTERMITTENT_ALPHAS,
  inverseNormalCdf,
  maseScale,
  nelderMead,
  reorderPointSuggestion,
  scaledError,
  seasonalNaive,
  TSB_BETAS,
  tsbFit,
} from './forecast.ts';

const normalFrom = (random: () => number) => (): number =>
  Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const WEEK = [6, 3, 0, -2, -4, -8, 5];
/** 100 + 0.3·t plus a weekly season, t = from … from + length − 1. */
const trendSeason = (length: number, from = 0): number[] =>
  Array.from({ length }, (_, i) => 100 + 0.3 * (from + i) + WEEK[(from + i) % 7]!);
const meanAbs = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, x, i) => s + Math.abs(x - b[i]!), 0) / a.length;

/** Intermittent demand: a day has demand with probability `p`, of 1–6 units. */
function intermittentSeries(length: number, p: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length }, () => (random() < p ? 1 + Math.floor(random() * 6) : 0));
}

describe('Croston, SBA and TSB', () => {
  // Hand-computed on 0 0 3 0 5 0 0 0 2 with α = 0.5 (β = 0.5 for TSB):
  // Croston starts at the first demand (day 2): z = 3, p = 3. Day 4 (interval 2): z = 4, p = 2.5.
  // Day 8 (interval 4): z = 3, p = 3.25. Forecast 3 / 3.25 = 12/13.
  const series = [0, 0, 3, 0, 5, 0, 0, 0, 2];

  it('updates size and interval only on demand days and forecasts z / p', () => {
    const fit = crostonFit(series, 0.5);

    expect(fit.final).toBeCloseTo(12 / 13, 12);
    expect(fit.oneStep.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(fit.oneStep.slice(3)).toEqual([1, 1, 1.6, 1.6, 1.6, 1.6]);
  });

  it('SBA scales Croston by 1 − α/2', () => {
    expect(crostonFit(series, 0.5, 'sba').final).toBeCloseTo((12 / 13) * 0.75, 12);
  });

  it('TSB updates the demand probability every day and the size on demand days', () => {
    // p: 1/3 at day 2, then days 3..8: 1/6, 7/12, 7/24, 7/48, 7/96, 103/192; z: 3, 4 (day 4), 3 (day 8).
    const fit = tsbFit(series, 0.5, 0.5);

    expect(fit.final).toBeCloseTo((3 * 103) / 192, 12);
    expect(fit.oneStep[3]).toBeCloseTo(3 / 3, 12);
    expect(fit.oneStep[4]).toBeCloseTo(3 / 6, 12);
    expect(fit.oneStep[5]).toBeCloseTo((4 * 7) / 12, 12);
  });

  it('forecasts 0 for a series without demand', () => {
    expect(crostonFit([0, 0, 0], 0.1).final).toBe(0);
    expect(tsbFit([0, 0, 0], 0.1, 0.1).final).toBe(0);
  });

  it('chooses α (and β) from the grid by the in-sample one-step squared error', () => {
    const demand = intermittentSeries(200, 0.3, 7);
    const squaredError = (oneStep: number[]) =>
      demand.reduce((s, y, t) => (Number.isNaN(oneStep[t]!) ? s : s + (y - oneStep[t]!) ** 2), 0);

    const croston = fitIntermittent(demand, 'croston');
    const tsb = fitIntermittent(demand, 'tsb');

    const crostonScores = INTERMITTENT_ALPHAS.map((a) => squaredError(crostonFit(demand, a).oneStep));
    expect(croston.parameters.alpha).toBe(
      INTERMITTENT_ALPHAS[crostonScores.indexOf(Math.min(...crostonScores))],
    );
    const tsbScores = INTERMITTENT_ALPHAS.flatMap((a) =>
      TSB_BETAS.map((b) => squaredError(tsbFit(demand, a, b).oneStep)),
    );
    const bestTsb = tsbScores.indexOf(Math.min(...tsbScores));
    expect(croston.forecastSd(28)).toBeNull();
    expect(tsb.parameters).toEqual({
      alpha: INTERMITTENT_ALPHAS[Math.floor(bestTsb / TSB_BETAS.length)],
      beta: TSB_BETAS[bestTsb % TSB_BETAS.length],
    });
  });
});

describe('seasonal naive', () => {
  it('repeats the last season and widens its interval by √(k+1) per season ahead', () => {
    const series = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8];
    const model = seasonalNaive(series, 7);

    expect(model.forecast(9)).toEqual([2, 3, 4, 5, 6, 7, 8, 2, 3]);
    expect(model.sigma).toBe(1); // every residual is +1
    const sd = model.forecastSd(15)!;
    expect(sd[0]).toBe(1);
    expect(sd[6]).toBe(1);
    expect(sd[7]).toBeCloseTo(Math.SQRT2, 12);
    expect(sd[14]).toBeCloseTo(Math.sqrt(3), 12);
  });
});

describe('Holt–Winters, ETS(A,Ad,A)', () => {
  it('recovers a noise-free linear trend and weekly season over 28 days', () => {
    const history = trendSeason(365);
    const truth = trendSeason(28, 365);

    const model = fitEts(history, { trend: 'damped', seasonal: true, seasonLength: 7 });

    // Level ≈ 210: well inside 10 % (a damped trend lags a straight line only slightly over 28 days).
    expect(meanAbs(model.forecast(28), truth)).toBeLessThan(0.1 * 210);
    expect(meanAbs(model.forecast(28), truth)).toBeLessThan(3);
    expect(model.parameters.phi).toBeGreaterThanOrEqual(0.8);
    expect(model.parameters.phi).toBeLessThanOrEqual(0.98);
  });

  it('recovers the trend and season through noise, and forecastDemand picks a seasonal ETS', () => {
    const noise = normalFrom(mulberry32(42));
    const history = trendSeason(365).map((y) => Math.max(0, Math.round(y + 5 * noise())));
    const truth = trendSeason(28, 365);

    const forecast = forecastDemand(history);

    expect(['ets-ana', 'ets-aada']).toContain(forecast.method);
    expect(
      meanAbs(
        forecast.points.map((p) => p.mean),
        truth,
      ),
    ).toBeLessThan(0.05 * 210);
    // σ is the noise's sd (5) within sampling and rounding error.
    expect(forecast.sigma).toBeGreaterThan(4);
    expect(forecast.sigma).toBeLessThan(6.5);
  });

  it('gives 80 % and 95 % intervals that nest, widen with the horizon, and cover the truth', () => {
    const noise = normalFrom(mulberry32(3));
    const level = Array.from({ length: 400 }, (_, t) => 50 + WEEK[t % 7]! + 4 * noise());
    const forecast = forecastDemand(level.slice(0, 372));
    const future = level.slice(372);

    for (const p of forecast.points) {
      expect(p.lower95!).toBeLessThanOrEqual(p.lower80!);
      expect(p.lower80!).toBeLessThanOrEqual(p.mean);
      expect(p.mean).toBeLessThanOrEqual(p.upper80!);
      expect(p.upper80!).toBeLessThanOrEqual(p.upper95!);
      expect(p.intervals!.map((i) => i.level)).toEqual([80, 95]);
    }
    const width = (p: (typeof forecast.points)[number]) => p.upper95! - p.lower95!;
    expect(width(forecast.points[27]!)).toBeGreaterThanOrEqual(width(forecast.points[0]!));
    const covered = forecast.points.filter((p, i) => future[i]! >= p.lower95! && future[i]! <= p.upper95!);
    expect(covered.length).toBeGreaterThanOrEqual(24); // 95 % of 28 ≈ 26.6
  });

  it('uses FPP3 §8.7’s closed-form forecast variances for ETS(A,N,N) and ETS(A,N,A)', () => {
    const noise = normalFrom(mulberry32(11));
    const series = Array.from({ length: 200 }, (_, t) => 40 + WEEK[t % 7]! + 3 * noise());

    const ann = fitEts(series, { trend: 'none', seasonal: false, seasonLength: 7 });
    const ana = fitEts(series, { trend: 'none', seasonal: true, seasonLength: 7 });

    const { alpha } = ann.parameters as { alpha: number };
    ann.forecastSd(20)!.forEach((sd, i) => {
      expect(sd).toBeCloseTo(ann.sigma * Math.sqrt(1 + alpha ** 2 * i), 9); // h = i + 1
    });
    const { alpha: a, gamma: g } = ana.parameters as { alpha: number; gamma: number };
    ana.forecastSd(20)!.forEach((sd, i) => {
      const k = Math.floor(i / 7);
      expect(sd).toBeCloseTo(ana.sigma * Math.sqrt(1 + a ** 2 * i + g * k * (2 * a + g)), 9);
    });
  });

  it('never forecasts below zero', () => {
    const falling = Array.from({ length: 120 }, (_, t) => Math.max(0, 60 - t + WEEK[t % 7]!));

    const forecast = forecastDemand(falling);

    for (const p of forecast.points) {
      expect(p.mean).toBeGreaterThanOrEqual(0);
      if (p.lower95 !== undefined) expect(p.lower95).toBeGreaterThanOrEqual(0);
    }
    for (const method of ['ets-aadn', 'ets-aada'] as const) {
      expect(Math.min(...fitMethod(method, falling).forecast(28))).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('classification (Syntetos–Boylan–Croston)', () => {
  it('puts each quadrant in its category', () => {
    const every = (sizes: number[], days: number) =>
      Array.from({ length: days }, (_, t) => sizes[t % sizes.length]!);
    const everyOther = (sizes: number[], days: number) =>
      Array.from({ length: days }, (_, t) => (t % 2 === 1 ? sizes[((t - 1) / 2) % sizes.length]! : 0));

    expect(classifyDemand(every([10], 28))).toMatchObject({
      category: 'smooth',
      adi: 1,
      cv2: 0,
      demandDays: 28,
    });
    expect(classifyDemand(every([1, 9], 28))).toMatchObject({ category: 'erratic', adi: 1, cv2: 0.64 });
    expect(classifyDemand(everyOther([10], 28))).toMatchObject({ category: 'intermittent', adi: 2, cv2: 0 });
    expect(classifyDemand(everyOther([1, 9], 28))).toMatchObject({ category: 'lumpy', adi: 2 });
    expect(classifyDemand([0, 0, 0])).toEqual({
      category: 'no-demand',
      adi: null,
      cv2: null,
      demandDays: 0,
      days: 3,
    });
  });

  it('puts ADI = 1.32 and CV² = 0.49 on the intermittent / erratic side (the cut-offs are ≥)', () => {
    // 25 demands, the last on day 32: ADI = 33 / 25 = 1.32.
    const zeros = new Set([3, 7, 11, 15, 19, 23, 27, 31]);
    const adiAtCutoff = Array.from({ length: 33 }, (_, t) => (zeros.has(t) ? 0 : 5));
    // Sizes 3 and 17: mean 10, sd 7, CV² = 0.49.
    const cv2AtCutoff = Array.from({ length: 20 }, (_, t) => (t % 2 === 0 ? 3 : 17));

    expect(classifyDemand(adiAtCutoff)).toMatchObject({ adi: 1.32, category: 'intermittent' });
    expect(classifyDemand(cv2AtCutoff)).toMatchObject({ cv2: 0.49, category: 'erratic' });
    // Just below: one zero day fewer (ADI 33 / 26), sizes 4 and 16 (CV² 0.36).
    expect(classifyDemand(adiAtCutoff.map((y, t) => (t === 3 ? 5 : y)))).toMatchObject({
      category: 'smooth',
    });
    expect(classifyDemand(cv2AtCutoff.map((y) => (y === 3 ? 4 : 16)))).toMatchObject({
      cv2: 0.36,
      category: 'smooth',
    });
  });
});

describe('selection by holdout', () => {
  it('picks an intermittent method for an intermittent series', () => {
    const demand = intermittentSeries(365, 0.2, 99);

    const forecast = forecastDemand(demand);

    expect(forecast.classification.category).toBe('intermittent');
    expect(['croston', 'sba', 'tsb']).toContain(forecast.method);
    expect(forecast.points[0]!.intervals).toBeUndefined();
    expect(forecast.points.every((p) => p.mean === forecast.points[0]!.mean)).toBe(true);
    expect(forecast.holdout!.seasonalNaiveMase).toBeGreaterThan(0);
  });

  it('picks the candidate with the lowest holdout MASE, scored against the in-sample seasonal naive', () => {
    const noise = normalFrom(mulberry32(5));
    const series = Array.from({ length: 200 }, (_, t) =>
      Math.round(30 + 0.1 * t + 2 * WEEK[t % 7]! + 3 * noise()),
    );

    const forecast = forecastDemand(series);

    const { holdout } = forecast;
    expect(holdout!.h).toBe(28);
    const lowest = holdout!.candidates.reduce((a, b) => (b.mase < a.mase ? b : a));
    expect(forecast.method).toBe(lowest.method);
    expect(holdout!.mase).toBe(lowest.mase);
    // Each score is the holdout MAE over the training part's seasonal-naive MAE, recomputed here.
    const train = series.slice(0, 172);
    const actual = series.slice(172);
    const q = train.slice(7).reduce((s, y, i) => s + Math.abs(y - train[i]!), 0) / (172 - 7);
    expect(maseScale(train, 7)).toBeCloseTo(q, 12);
    for (const candidate of holdout!.candidates) {
      expect(candidate.mase).toBeCloseTo(
        scaledError(actual, fitMethod(candidate.method, train).forecast(28), q),
        12,
      );
    }
    expect(holdout!.seasonalNaiveMase).toBe(
      holdout!.candidates.find((c) => c.method === 'seasonal-naive')!.mase,
    );
    expect(holdout!.candidates.map((c) => c.method)).toEqual(candidatePool('smooth', 172));
  });

  it('refits the chosen method on the whole series', () => {
    const noise = normalFrom(mulberry32(8));
    const series = Array.from({ length: 150 }, (_, t) => Math.round(40 + WEEK[t % 7]! * 2 + 2 * noise()));

    const forecast = forecastDemand(series);

    const refit = fitMethod(forecast.method as Parameters<typeof fitMethod>[0], series);
    expect(forecast.points.map((p) => p.mean)).toEqual(refit.forecast(28));
    expect(forecast.sigma).toBe(refit.sigma);
  });

  it('holds out min(28, ⌊n/4⌋) days', () => {
    expect(holdoutLength(365)).toBe(28);
    expect(holdoutLength(60)).toBe(15);
    expect(holdoutLength(14)).toBe(3);
    expect(forecastDemand(Array.from({ length: 20 }, (_, t) => 5 + (t % 3))).holdout!.h).toBe(5);
  });

  it('falls back to the MAE when the seasonal-naive scale is 0 (an exactly repeating week)', () => {
    const series = Array.from({ length: 70 }, (_, t) => 10 + WEEK[t % 7]!);

    const forecast = forecastDemand(series);

    expect(forecast.flags).toContain('mase-scale-fallback');
    expect(forecast.holdout!.scaling).toBe('mae');
    expect(forecast.method).toBe('seasonal-naive'); // MAE 0, first in the pool
    expect(forecast.points.slice(0, 7).map((p) => p.mean)).toEqual(series.slice(63));
  });

  it('is deterministic', () => {
    const demand = intermittentSeries(300, 0.5, 1);
    expect(forecastDemand(demand)).toEqual(forecastDemand(demand));
  });
});

describe('short and empty series', () => {
  it('forecasts the mean of fewer than 14 days, flagged, with no holdout', () => {
    const forecast = forecastDemand([4, 0, 6, 2, 8, 4, 4, 0, 2, 10]);

    expect(forecast).toMatchObject({ method: 'mean', flags: ['short-history'], holdout: null, horizon: 28 });
    expect(forecast.points).toHaveLength(28);
    expect(forecast.points.every((p) => p.mean === 4)).toBe(true);
  });

  it('forecasts 0 for an empty series and for one without demand', () => {
    expect(forecastDemand([]).points.every((p) => p.mean === 0)).toBe(true);

    const zero = forecastDemand(new Array(90).fill(0));

    expect(zero).toMatchObject({ method: 'zero', flags: ['no-demand'], holdout: null, sigma: 0 });
    expect(zero.classification.category).toBe('no-demand');
    expect(zero.points.every((p) => p.mean === 0 && p.intervals === undefined)).toBe(true);
  });

  it('honours the horizon and levels options', () => {
    const noise = normalFrom(mulberry32(21));
    const series = Array.from({ length: 60 }, (_, t) => Math.round(20 + (t % 7) + 2 * noise()));

    const forecast = forecastDemand(series, { horizon: 10, levels: [90] });

    expect(forecast.points).toHaveLength(10);
    expect(forecast.points[9]!.day).toBe(10);
    expect(forecast.points[0]!.intervals!.map((i) => i.level)).toEqual([90]);
    expect(forecast.points[0]!.lower80).toBeUndefined();
    expect(forecastDemand(series, { levels: [] }).points[0]!.intervals).toBeUndefined();
  });

  it('works without a season (seasonLength 1: naive scaling, no seasonal candidates)', () => {
    const noise = normalFrom(mulberry32(4));
    const series = Array.from({ length: 100 }, (_, t) => Math.round(30 + 0.2 * t + 3 * noise()));

    const forecast = forecastDemand(series, { seasonLength: 1 });

    expect(forecast.holdout!.candidates.map((c) => c.method)).toEqual([
      'seasonal-naive',
      'ets-ann',
      'ets-aadn',
    ]);
    expect(forecast.points[0]!.mean).toBeGreaterThan(40);
  });

  it('rejects negative or non-finite demand and bad options', () => {
    expect(() => forecastDemand([1, -1, 2])).toThrow(ForecastInputError);
    expect(() => forecastDemand([1, Number.NaN])).toThrow(ForecastInputError);
    expect(() => forecastDemand([1, 2], { horizon: 0 })).toThrow(ForecastInputError);
    expect(() => forecastDemand([1, 2], { levels: [100] })).toThrow(ForecastInputError);
  });
});

describe('inverse normal CDF (Acklam)', () => {
  it('matches the standard normal quantiles', () => {
    expect(inverseNormalCdf(0.5)).toBe(0);
    expect(inverseNormalCdf(0.95)).toBeCloseTo(1.6448536269514722, 8);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(inverseNormalCdf(0.99)).toBeCloseTo(2.3263478740408408, 8);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(inverseNormalCdf(0.2)).toBeCloseTo(-inverseNormalCdf(0.8), 12);
  });

  it('rejects probabilities outside (0, 1)', () => {
    expect(() => inverseNormalCdf(0)).toThrow(ForecastInputError);
    expect(() => inverseNormalCdf(1)).toThrow(ForecastInputError);
  });
});

describe('reorder point and days of cover', () => {
  it('adds z·σ·√L of safety stock to the demand over the lead time and rounds up', () => {
    const suggestion = reorderPointSuggestion({
      dailyMeans: new Array(28).fill(10),
      sigma: 4,
      leadTimeDays: 9,
      serviceLevel: 0.95,
    });

    expect(suggestion.demandOverLeadTime).toBe(90);
    expect(suggestion.z).toBeCloseTo(1.6449, 4);
    expect(suggestion.safetyStock).toBeCloseTo(1.6448536 * 4 * 3, 5);
    expect(suggestion.reorderPoint).toBe(110); // ⌈90 + 19.74⌉
  });

  it('counts a partial last lead-time day pro rata and continues the last mean past the forecast', () => {
    const partial = reorderPointSuggestion({
      dailyMeans: [2, 4, 6],
      sigma: 0,
      leadTimeDays: 2.5,
      serviceLevel: 0.5,
    });
    const beyond = reorderPointSuggestion({
      dailyMeans: [2, 4, 6],
      sigma: 0,
      leadTimeDays: 5,
      serviceLevel: 0.5,
    });

    expect(partial).toEqual({ demandOverLeadTime: 9, safetyStock: 0, reorderPoint: 9, z: 0 });
    expect(beyond.demandOverLeadTime).toBe(24);
  });

  it('counts the days until the forecast uses up what is available', () => {
    expect(daysOfCover(25, [10, 10, 10])).toBe(2.5);
    expect(daysOfCover(50, [10, 10])).toBe(5);
    expect(daysOfCover(0, [10])).toBe(0);
    expect(daysOfCover(5, [0, 0])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Nelder–Mead', () => {
  it('finds the minimum of a smooth bowl', () => {
    const { x } = nelderMead(([a, b]) => (a! - 1) ** 2 + 10 * (b! + 2) ** 2, [0, 0], { maxEvaluations: 500 });

    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(-2, 3);
  });
});
