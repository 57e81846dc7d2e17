import { ApiError } from '../api/client.ts';
import { forecasts } from '../api/endpoints.ts';
import type { Forecast } from '../api/types.ts';
import { formatDate, formatNumber } from '../lib/format.ts';
import { useResource } from '../lib/hooks.ts';
import { Freshness } from './Freshness.tsx';
import { ForecastChart, type ForecastRow } from './ReportCharts.tsx';
import { LoadError, Loading } from './ui.tsx';

/** The demand patterns of Syntetos–Boylan, in words. */
export const CLASSIFICATION_WORDS: Record<string, string> = {
  smooth: 'Smooth: demand on most days, in steady amounts',
  erratic: 'Erratic: demand on most days, in amounts that vary a lot',
  intermittent: 'Intermittent: many days without demand, steady amounts when there is some',
  lumpy: 'Lumpy: many days without demand, amounts that vary a lot when there is some',
};

/** How many days of history the chart shows before the forecast (the Brush zooms within). */
const HISTORY_SHOWN = 56;

const band = (low: number | undefined, high: number | undefined): [number, number] | undefined =>
  low === undefined || high === undefined ? undefined : [Math.max(0, low), high];

/** History days, then forecast days, as one series for the chart. */
export function forecastRows(forecast: Forecast): ForecastRow[] {
  return [
    ...forecast.history.slice(-HISTORY_SHOWN).map((h) => ({
      date: h.date,
      units: h.units,
      lostUnits: h.lostUnits,
    })),
    ...forecast.points.map((p) => ({
      date: p.date,
      mean: Math.max(0, p.mean),
      band80: band(p.lower80, p.upper80),
      band95: band(p.lower95, p.upper95),
    })),
  ];
}

/** What the holdout error means, in a sentence. */
export function holdoutWords(holdout: Forecast['holdout']): string {
  if (!holdout)
    return 'Not tested yet: there is too little history to hold days out and check the forecast against them.';
  const mase = holdout.mase.toFixed(2);
  const days = `the last ${formatNumber(holdout.days)} days held out`;
  return holdout.mase < 1
    ? `MASE ${mase} on ${days}: beats seasonal naive (repeating the same weekday of the week before), its errors are ${Math.round(holdout.mase * 100)}% of that one's.`
    : `MASE ${mase} on ${days}: does not beat seasonal naive (repeating the same weekday of the week before); treat it with care.`;
}

/** The product page's demand forecast: history, the next days with their bands, and how good it is. */
export function ForecastCard({ sku }: { sku: string }) {
  const forecast = useResource(() => forecasts.get(sku), [sku]);
  const notFound = forecast.error instanceof ApiError && forecast.error.status === 404;
  const f = forecast.data;
  const expected = f ? f.points.reduce((n, p) => n + Math.max(0, p.mean), 0) : 0;
  return (
    <section className="card" aria-labelledby="forecast-title">
      <h2 id="forecast-title">Demand forecast</h2>
      {notFound ? (
        <p className="muted">
          No demand history yet: a forecast comes once orders for {sku} have been placed.
        </p>
      ) : null}
      {forecast.error && !notFound && !f ? (
        <LoadError error={forecast.error} retry={() => void forecast.reload()} />
      ) : null}
      {forecast.loading && !f ? <Loading label="Loading forecast…" /> : null}
      {f ? (
        <>
          <Freshness dataAsOf={f.dataAsOf} lagSeconds={f.lagSeconds} />
          <dl className="forecast-facts">
            <div>
              <dt>Next {formatNumber(f.horizonDays)} days</dt>
              <dd>
                About {formatNumber(Math.round(expected))} units
                {f.points[0] ? ` from ${formatDate(f.points[0].date)}` : ''}
              </dd>
            </div>
            <div>
              <dt>Method</dt>
              <dd>{f.method}</dd>
            </div>
            <div>
              <dt>Demand pattern</dt>
              <dd>{CLASSIFICATION_WORDS[f.classification] ?? f.classification}</dd>
            </div>
            <div>
              <dt>Accuracy</dt>
              <dd>{holdoutWords(f.holdout)}</dd>
            </div>
          </dl>
          <ForecastChart
            title={`Demand of ${sku}: history and forecast`}
            data={forecastRows(f)}
            summary={`Demand of ${sku}: ${formatNumber(f.history.reduce((n, h) => n + h.units, 0))} units over the last ${formatNumber(f.history.length)} days of history, about ${formatNumber(Math.round(expected))} expected over the next ${formatNumber(f.horizonDays)}`}
          />
          {f.points.some((p) => p.lower80 !== undefined) ? (
            <p className="muted">
              The shaded bands are where demand should fall 80% and 95% of the time. Lost units are those of
              rejected orders: demand that could not be served.
            </p>
          ) : (
            <p className="muted">
              This method gives no prediction interval. Lost units are those of rejected orders: demand that
              could not be served.
            </p>
          )}
        </>
      ) : null}
    </section>
  );
}
