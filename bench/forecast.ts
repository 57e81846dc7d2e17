/**
 * Forecast accuracy of services/reporting/domain/forecast.ts on synthetic daily demand.
 *
 *   npx tsx bench/forecast.ts [seriesPerKind=100] [seed=20261203]
 *
 * Five kinds of series × `seriesPerKind`, drawn with a seeded PRNG (mulberry32), each 365 days of
 * history plus 28 further days from the same process (the true future):
 * - smooth: a constant level 20–100, Poisson noise;
 * - trend: level 20–60 and a slope of 0.03–0.15 units/day (up or, where it stays ≥ 5, down), Poisson;
 * - seasonal: level 20–80 times a weekly profile (weekdays 0.85–1.3, weekends 0.3–0.7), Poisson;
 * - intermittent: demand on a day with probability 0.1–0.4, size 1 + Poisson(1–4) (CV² < 0.49);
 * - lumpy: demand with probability 0.05–0.3, size ⌈exp(N(1.5, 1))⌉ (CV² ≈ 1.7).
 *
 * Each method is fitted on the 365 days and forecasts 28; its MASE on those 28 is scaled by the
 * 365 days' in-sample seasonal-naive MAE (m = 7, Hyndman & Koehler 2006). "selected" is
 * `forecastDemand` (holdout selection, refit). The table shows the mean MASE per kind and
 * overall; no I/O, no emulators.
 */

import {
  CANDIDATE_METHODS,
  type CandidateMethod,
  fitMethod,
  forecastDemand,
  maseScale,
  scaledError,
} from '../services/reporting/domain/forecast.ts';

const [seriesPerKind = 100, seed = 20261203] = process.argv.slice(2).map(Number);

import { mulberry32 } from '../lib/random.ts';

const HISTORY = 365;
const HORIZON = 28;

const random = mulberry32(seed);
const uniform = (lo: number, hi: number): number => lo + (hi - lo) * random();
/** Box–Muller. */
const normal = (mu = 0, sd = 1): number => {
  const u = 1 - random();
  const v = random();
  return mu + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
/** Poisson: Knuth's product method below 30, else a rounded normal approximation. */
const poisson = (lambda: number): number => {
  if (lambda <= 0) return 0;
  if (lambda >= 30) return Math.max(0, Math.round(normal(lambda, Math.sqrt(lambda))));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
};

type Kind = 'smooth' | 'trend' | 'seasonal' | 'intermittent' | 'lumpy';
const KINDS: Kind[] = ['smooth', 'trend', 'seasonal', 'intermittent', 'lumpy'];
const DAYS = HISTORY + HORIZON;

function generate(kind: Kind): number[] {
  switch (kind) {
    case 'smooth': {
      const level = uniform(20, 100);
      return Array.from({ length: DAYS }, () => poisson(level));
    }
    case 'trend': {
      const level = uniform(20, 60);
      let slope = uniform(0.03, 0.15);
      if (random() < 0.5 && level - slope * DAYS >= 5) slope = -slope;
      return Array.from({ length: DAYS }, (_, t) => poisson(Math.max(0, level + slope * t)));
    }
    case 'seasonal': {
      const level = uniform(20, 80);
      const profile = Array.from({ length: 7 }, (_, d) => (d >= 5 ? uniform(0.3, 0.7) : uniform(0.85, 1.3)));
      const phase = Math.floor(uniform(0, 7));
      return Array.from({ length: DAYS }, (_, t) => poisson(level * profile[(t + phase) % 7]!));
    }
    case 'intermittent': {
      const p = uniform(0.1, 0.4);
      const size = uniform(1, 4);
      return Array.from({ length: DAYS }, () => (random() < p ? 1 + poisson(size) : 0));
    }
    case 'lumpy': {
      const p = uniform(0.05, 0.3);
      return Array.from({ length: DAYS }, () => (random() < p ? Math.ceil(Math.exp(normal(1.5, 1))) : 0));
    }
  }
}

type Column = CandidateMethod | 'selected';
const COLUMNS: Column[] = [...CANDIDATE_METHODS, 'selected'];
const scores = new Map<Kind, Map<Column, number[]>>();
const chosen = new Map<Kind, Map<string, number>>();
/** Per kind: future days of forecasts with intervals, and how many fell inside the 80 % / 95 % ones. */
const coverage = new Map<Kind, { days: number; in80: number; in95: number }>();
const selectMs: number[] = [];
const started = performance.now();

for (const kind of KINDS) {
  const byColumn = new Map<Column, number[]>(COLUMNS.map((c) => [c, []]));
  const picks = new Map<string, number>();
  const covered = { days: 0, in80: 0, in95: 0 };
  coverage.set(kind, covered);
  for (let i = 0; i < seriesPerKind; i++) {
    const series = generate(kind);
    const history = series.slice(0, HISTORY);
    const future = series.slice(HISTORY);
    const q = maseScale(history, 7);
    if (!(q > 0)) continue; // never happens with these processes; MASE is undefined then
    for (const method of CANDIDATE_METHODS) {
      byColumn.get(method)!.push(scaledError(future, fitMethod(method, history, 7).forecast(HORIZON), q));
    }
    const t0 = performance.now();
    const forecast = forecastDemand(history, { horizon: HORIZON });
    selectMs.push(performance.now() - t0);
    byColumn.get('selected')!.push(
      scaledError(
        future,
        forecast.points.map((p) => p.mean),
        q,
      ),
    );
    picks.set(forecast.method, (picks.get(forecast.method) ?? 0) + 1);
    forecast.points.forEach((p, day) => {
      if (p.lower80 === undefined) return;
      const y = future[day]!;
      covered.days++;
      if (y >= p.lower80 && y <= p.upper80!) covered.in80++;
      if (y >= p.lower95! && y <= p.upper95!) covered.in95++;
    });
  }
  scores.set(kind, byColumn);
  chosen.set(kind, picks);
}
const totalSeconds = (performance.now() - started) / 1000;

const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const overall = (column: Column): number => avg(KINDS.flatMap((k) => scores.get(k)!.get(column)!));
const fmt = (x: number): string => x.toFixed(3);

const rows: string[] = [];
rows.push(`| method | ${KINDS.join(' | ')} | overall |`);
rows.push(`|---|${KINDS.map(() => '---').join('|')}|---|`);
for (const column of COLUMNS) {
  const cells = KINDS.map((k) => fmt(avg(scores.get(k)!.get(column)!)));
  const label = column === 'selected' ? '**selected (forecastDemand)**' : column;
  const value = fmt(overall(column));
  rows.push(`| ${label} | ${cells.join(' | ')} | ${column === 'selected' ? `**${value}**` : value} |`);
}

const series = KINDS.reduce((n, k) => n + scores.get(k)!.get('selected')!.length, 0);
const sorted = [...selectMs].sort((a, b) => a - b);
const percent = (part: number, whole: number): string =>
  whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`;
const picksRows = KINDS.map((k) => {
  const c = coverage.get(k)!;
  const picked = [...chosen.get(k)!.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  return `| ${k} | ${picked} | ${percent(c.in80, c.days)} | ${percent(c.in95, c.days)} |`;
});
const selected = overall('selected');
const naive = overall('seasonal-naive');

console.log(
  `Mean MASE over the 28 future days (scale: in-sample seasonal-naive MAE, m = 7), ${series} series (${seriesPerKind} per kind, seed ${seed}):\n`,
);
console.log(rows.join('\n'));
console.log(
  '\n| kind | methods selected | future days inside the 80 % interval | inside the 95 % |\n|---|---|---|---|',
);
console.log(picksRows.join('\n'));
console.log(
  `\nselected ÷ seasonal naive, overall: ${fmt(selected / naive)}; forecastDemand per series: median ${fmt(sorted[Math.floor(sorted.length / 2)]!)} ms, p90 ${fmt(sorted[Math.floor(sorted.length * 0.9)]!)} ms; whole run ${totalSeconds.toFixed(1)} s (every method fitted separately too).`,
);
if (!(selected < naive)) {
  console.error('The selected method does not beat seasonal naive overall.');
  process.exitCode = 1;
}
