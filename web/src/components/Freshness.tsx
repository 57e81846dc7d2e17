import { formatDateTime, formatNumber } from '../lib/format.ts';

/** "Data as of 3 Dec 2026, 13:05 (4 s behind)": how fresh the read model is. */
export function Freshness({ dataAsOf, lagSeconds }: { dataAsOf: string | null; lagSeconds: number | null }) {
  if (!dataAsOf) return <p className="freshness muted">No events reported yet.</p>;
  const lag = lagSeconds === null ? '' : ` (${formatNumber(Math.max(0, Math.round(lagSeconds)))} s behind)`;
  return (
    <p className="freshness muted">
      Data as of <time dateTime={dataAsOf}>{formatDateTime(dataAsOf)}</time>
      {lag}
    </p>
  );
}
