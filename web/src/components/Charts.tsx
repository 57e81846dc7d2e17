import { formatDate, formatNumber } from '../lib/format.ts';

/**
 * Small hand-written SVG charts (no chart library: a few hundred bytes instead of ~100 kB).
 * Each has a text summary for screen readers and its data as a visually hidden table.
 */

/** The inbound/outbound series of the movement trend. */
export const TREND_SERIES = [
  { key: 'inbound', label: 'Inbound', className: 'fill-blue' },
  { key: 'outbound', label: 'Outbound', className: 'fill-orange' },
];

const W = 640;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= max) ?? 10;
  return step * magnitude;
}

function Axes({ max, labels }: { max: number; labels: string[] }) {
  // Four or five steps, whichever gives whole numbers (50 → 0, 10, … 50).
  const ticks = max % 4 === 0 || max < 4 ? [0, 0.25, 0.5, 0.75, 1] : [0, 0.2, 0.4, 0.6, 0.8, 1];
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const every = Math.max(1, Math.ceil(labels.length / 6));
  return (
    <g className="chart-axes">
      {ticks.map((t) => {
        const y = PAD.top + innerH * (1 - t);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="chart-grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {formatNumber(Math.round(max * t))}
            </text>
          </g>
        );
      })}
      {labels.map((label, i) =>
        i % every === 0 || i === labels.length - 1 ? (
          <text
            // biome-ignore lint/suspicious/noArrayIndexKey: labels are positional
            key={i}
            x={PAD.left + (innerW * (i + 0.5)) / labels.length}
            y={H - 8}
            textAnchor="middle"
          >
            {label}
          </text>
        ) : null,
      )}
    </g>
  );
}

export function LineChart({ title, points }: { title: string; points: { date: string; value: number }[] }) {
  if (points.length === 0) return <p className="muted">No history yet.</p>;
  const max = niceMax(Math.max(...points.map((p) => p.value)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const xy = points.map((p, i) => {
    const x = PAD.left + (innerW * (i + 0.5)) / points.length;
    const y = PAD.top + innerH * (1 - Math.max(0, p.value) / max);
    return [x, y] as const;
  });
  const path = xy.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const summary = `${title}: from ${formatNumber(first.value)} on ${formatDate(first.date)} to ${formatNumber(last.value)} on ${formatDate(last.date)}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <Axes max={max} labels={points.map((p) => formatDate(p.date))} />
        <path d={path} className="chart-line" />
        {xy.map(([x, y], i) => (
          <circle key={points[i]!.date} cx={x} cy={y} r={3} className="chart-dot">
            <title>{`${formatDate(points[i]!.date)}: ${formatNumber(points[i]!.value)}`}</title>
          </circle>
        ))}
      </svg>
      <DataTable caption={title} headers={['Date', 'Units']} rows={points.map((p) => [p.date, p.value])} />
    </figure>
  );
}

export function BarChart({
  title,
  data,
  series,
  emptyText = 'No movements yet.',
}: {
  title: string;
  data: { date: string; [key: string]: number | string }[];
  series: { key: string; label: string; className: string }[];
  emptyText?: string;
}) {
  if (data.length === 0) return <p className="muted">{emptyText}</p>;
  const value = (row: (typeof data)[number], key: string) => Number(row[key] ?? 0);
  const max = niceMax(Math.max(...data.flatMap((row) => series.map((s) => value(row, s.key)))));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / data.length;
  const barW = Math.max(1, (slot * 0.8) / series.length);
  const totals = series.map(
    (s) => `${s.label} ${formatNumber(data.reduce((sum, row) => sum + value(row, s.key), 0))}`,
  );
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${title}: ${totals.join(', ')} over ${data.length} days`}
      >
        <Axes max={max} labels={data.map((row) => formatDate(row.date))} />
        {data.map((row, i) =>
          series.map((s, j) => {
            const v = value(row, s.key);
            const h = (innerH * v) / max;
            return (
              <rect
                key={`${row.date}-${s.key}`}
                x={PAD.left + slot * i + slot * 0.1 + barW * j}
                y={PAD.top + innerH - h}
                width={barW}
                height={h}
                className={s.className}
              >
                <title>{`${formatDate(row.date)} ${s.label}: ${formatNumber(v)}`}</title>
              </rect>
            );
          }),
        )}
      </svg>
      <figcaption className="chart-legend">
        {series.map((s) => (
          <span key={s.key}>
            <span className={`legend-swatch ${s.className}`} aria-hidden="true" /> {s.label}
          </span>
        ))}
      </figcaption>
      <DataTable
        caption={title}
        headers={['Date', ...series.map((s) => s.label)]}
        rows={data.map((row) => [row.date, ...series.map((s) => value(row, s.key))])}
      />
    </figure>
  );
}

/** Reserved vs available as one stacked bar. */
export function SplitBar({ parts }: { parts: { label: string; value: number; className: string }[] }) {
  const total = parts.reduce((sum, p) => sum + Math.max(0, p.value), 0);
  return (
    <div className="split">
      <div
        className="split-bar"
        role="img"
        aria-label={parts.map((p) => `${p.label} ${formatNumber(p.value)}`).join(', ')}
      >
        {parts.map((p) => (
          <span
            key={p.label}
            className={p.className}
            style={{ width: total ? `${(100 * Math.max(0, p.value)) / total}%` : '0%' }}
          />
        ))}
      </div>
      <ul className="split-legend">
        {parts.map((p) => (
          <li key={p.label}>
            <span className={`legend-swatch ${p.className}`} aria-hidden="true" /> {p.label}:{' '}
            <strong>{formatNumber(p.value)}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

function DataTable({
  caption,
  headers,
  rows,
}: {
  caption: string;
  headers: string[];
  rows: (string | number)[][];
}) {
  // A table ignores height: 1px, so the wrapper clips it (else its rows lengthen the page).
  return (
    <div className="sr-only">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={String(row[0])}>
              {row.map((cell, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                <td key={i}>{typeof cell === 'number' ? formatNumber(cell) : cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
