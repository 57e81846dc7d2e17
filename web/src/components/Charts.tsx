import { formatDate, formatNumber } from '../lib/format.ts';

/**
 * Small hand-written SVG charts (no chart library) for what is not a report: a product's stock
 * history and the reserved/available split. The reports' charts are in ReportCharts.tsx (recharts).
 * Each has a text summary for screen readers and its data as a visually hidden table.
 */

const W = 640;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

/**
 * A y axis of whole units: a step of 1, 2, 5, 10, 20, 25, 50… that gives at most five intervals,
 * and a top that is a multiple of it. Counts under 4 (a product with no stock) get 0–4 in steps of
 * 1: every tick a distinct whole number (never "1, 1, 1, 0, 0").
 */
export function integerScale(max: number): { top: number; ticks: number[] } {
  const m = Math.max(4, Math.ceil(max));
  const raw = m / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(
    1,
    [1, 2, 2.5, 5, 10].map((s) => s * magnitude).find((s) => s >= raw && Number.isInteger(s)) ??
      10 * magnitude,
  );
  const top = Math.ceil(m / step) * step;
  return { top, ticks: Array.from({ length: top / step + 1 }, (_, i) => i * step) };
}

function Axes({ scale, labels }: { scale: { top: number; ticks: number[] }; labels: string[] }) {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const every = Math.max(1, Math.ceil(labels.length / 6));
  return (
    <g className="chart-axes">
      {scale.ticks.map((t) => {
        const y = PAD.top + innerH * (1 - t / scale.top);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="chart-grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end" className="chart-tick-y">
              {formatNumber(t)}
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
  const scale = integerScale(Math.max(...points.map((p) => p.value)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const xy = points.map((p, i) => {
    const x = PAD.left + (innerW * (i + 0.5)) / points.length;
    const y = PAD.top + innerH * (1 - Math.max(0, p.value) / scale.top);
    return [x, y] as const;
  });
  const path = xy.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const summary = `${title}: from ${formatNumber(first.value)} on ${formatDate(first.date)} to ${formatNumber(last.value)} on ${formatDate(last.date)}`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <Axes scale={scale} labels={points.map((p) => formatDate(p.date))} />
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
