import type { ReactNode } from 'react';
import {
  Area,
  Bar,
  Brush,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  BarChart as RBarChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatDate, formatMoney, formatNumber } from '../lib/format.ts';

/**
 * Interactive charts of the reports (recharts: tooltips, legends, a Brush to zoom time series).
 * Every chart has a one-line text summary for screen readers and its data as a table under a
 * "Show data" disclosure: the chart is a picture of the table, never the only copy of the numbers.
 */

export const COLORS = {
  blue: 'var(--azura-blue)',
  orange: 'var(--orange)',
  green: 'var(--green)',
  red: 'var(--red)',
  gray: 'var(--gray)',
  blueTint: 'var(--blue-tint)',
} as const;

/** Before the container is measured (and where nothing is laid out, as in tests). */
const INITIAL = { width: 640, height: 260 };
const AXIS_TICK = { fontSize: 11, fill: 'var(--gray-text)' };
const TOOLTIP_STYLE = {
  borderRadius: 'var(--radius)',
  border: '1px solid var(--border)',
  boxShadow: 'var(--shadow)',
  color: 'var(--dark-gray)',
};
/** Brush a time series when it has more points than fit comfortably. */
const BRUSH_FROM = 14;

export interface Series {
  key: string;
  label: string;
  color: string;
}

export type Cell = string | number | null | undefined;

/** A chart and its data: the picture, a text summary, and the table under "Show data". */
export function ChartFigure({
  title,
  summary,
  headers,
  rows,
  children,
  height = INITIAL.height,
  beside = false,
}: {
  title: string;
  /** One sentence saying what the chart shows (for screen readers). */
  summary: string;
  headers: string[];
  rows: Cell[][];
  children: ReactNode;
  height?: number;
  /** The table beside the chart (wide screens; below it on narrow ones) instead of under "Show data". */
  beside?: boolean;
}) {
  const plot = (
    // A labelled group, not an image: it holds the focusable zoom brush (a fieldset is for forms).
    // biome-ignore lint/a11y/useSemanticElements: a chart region, not a form group
    <div className="rchart-plot" role="group" aria-label={summary} style={{ height }}>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ ...INITIAL, height }}>
        {children as never}
      </ResponsiveContainer>
    </div>
  );
  const table = <DataTable caption={title} headers={headers} rows={rows} />;
  return beside ? (
    <figure className="chart rchart chart-beside">
      {plot}
      <div className="chart-beside-table">{table}</div>
    </figure>
  ) : (
    <figure className="chart rchart">
      {plot}
      <details className="chart-data">
        <summary>Show data</summary>
        {table}
      </details>
    </figure>
  );
}

export function DataTable({
  caption,
  headers,
  rows,
}: {
  caption: string;
  headers: string[];
  rows: Cell[][];
}) {
  return (
    <div className="table-wrap">
      <table className="table table-compact">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {headers.map((h, i) => (
              <th key={h} scope="col" className={i ? 'numeric' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
            <tr key={r}>
              {row.map((cell, i) =>
                i === 0 ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                  <th key={i} scope="row">
                    {cell ?? '—'}
                  </th>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                  <td key={i} className="numeric">
                    {typeof cell === 'number' ? formatNumber(cell) : (cell ?? '—')}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
const tickLabel = (value: unknown) => {
  const s = String(value);
  return isDay(s) ? formatDate(s) : s;
};
const sum = (rows: Record<string, unknown>[], key: string) =>
  rows.reduce((n, row) => n + Number(row[key] ?? 0), 0);

/**
 * Units per period as bars (inbound, outbound…), optionally with a line (net). Day, week and month
 * groupings get a Brush to zoom into a range.
 */
export function UnitsBarChart<Row extends object>({
  title,
  data: rowsIn,
  xKey,
  bars,
  line,
  xLabel = 'Date',
  brush = true,
  emptyText = 'No movements yet.',
  beside = false,
}: {
  title: string;
  data: readonly Row[];
  xKey: keyof Row & string;
  bars: Series[];
  line?: Series;
  xLabel?: string;
  brush?: boolean;
  emptyText?: string;
  beside?: boolean;
}) {
  const data = rowsIn as unknown as Record<string, unknown>[];
  const x: string = xKey;
  if (data.length === 0) return <p className="muted">{emptyText}</p>;
  const series = [...bars, ...(line ? [line] : [])];
  const unit = data.every((row) => isDay(String(row[x]))) ? 'day' : 'period';
  const totals = bars.map((s) => `${s.label} ${formatNumber(sum(data, s.key))}`).join(', ');
  return (
    <ChartFigure
      title={title}
      summary={`${title}: ${totals} over ${formatNumber(data.length)} ${unit}${data.length === 1 ? '' : 's'}`}
      headers={[xLabel, ...series.map((s) => s.label)]}
      rows={data.map((row) => [tickLabel(row[x]), ...series.map((s) => Number(row[s.key] ?? 0))])}
      beside={beside}
    >
      <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey={x} tickFormatter={tickLabel} tick={AXIS_TICK} minTickGap={12} />
        <YAxis allowDecimals={false} tick={AXIS_TICK} width={48} tickFormatter={(v) => formatNumber(v)} />
        <Tooltip
          contentStyle={TOOLTIP_STYLE}
          labelFormatter={tickLabel}
          formatter={(value) => formatNumber(Number(value))}
          cursor={{ fill: 'var(--light-gray)' }}
        />
        <Legend />
        {bars.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} isAnimationActive={false} />
        ))}
        {line ? (
          <Line
            dataKey={line.key}
            name={line.label}
            stroke={line.color}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        ) : null}
        {brush && data.length > BRUSH_FROM ? (
          <Brush dataKey={x} height={24} stroke={COLORS.blue} tickFormatter={tickLabel} />
        ) : null}
      </ComposedChart>
    </ChartFigure>
  );
}

/** Inventory value (minor units) over time as a line, with a Brush. */
export function ValueLineChart({
  title,
  data,
  currency,
  emptyText = 'No value history yet.',
}: {
  title: string;
  data: { date: string; value: number }[];
  currency: string;
  emptyText?: string;
}) {
  if (data.length === 0) return <p className="muted">{emptyText}</p>;
  const money = (v: unknown) => formatMoney({ amount: Number(v), currency });
  const first = data[0]!;
  const last = data[data.length - 1]!;
  return (
    <ChartFigure
      title={title}
      summary={`${title}: from ${money(first.value)} on ${formatDate(first.date)} to ${money(last.value)} on ${formatDate(last.date)}`}
      headers={['Date', 'Value at cost']}
      rows={data.map((d) => [formatDate(d.date), money(d.value)])}
    >
      <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 8 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="date" tickFormatter={tickLabel} tick={AXIS_TICK} minTickGap={12} />
        <YAxis
          tick={AXIS_TICK}
          width={72}
          domain={[0, 'auto']}
          tickFormatter={(v) => formatMoney({ amount: Number(v), currency }).replace(/\.00$/, '')}
        />
        <Tooltip contentStyle={TOOLTIP_STYLE} labelFormatter={tickLabel} formatter={(v) => money(v)} />
        <Legend />
        <Line
          dataKey="value"
          name="Value at cost"
          stroke={COLORS.blue}
          strokeWidth={2.5}
          dot={false}
          isAnimationActive={false}
        />
        {data.length > BRUSH_FROM ? (
          <Brush dataKey="date" height={24} stroke={COLORS.blue} tickFormatter={tickLabel} />
        ) : null}
      </ComposedChart>
    </ChartFigure>
  );
}

/** Values per name (a category, a location) as horizontal bars. */
export function NamedBarChart({
  title,
  data,
  valueLabel,
  format,
  color = COLORS.blue,
  nameLabel = 'Name',
  extra,
  beside = false,
}: {
  title: string;
  data: { name: string; value: number }[];
  valueLabel: string;
  format: (value: number) => string;
  color?: string;
  nameLabel?: string;
  /** More columns for the data table: [header, value of row i]. */
  extra?: { header: string; cell: (i: number) => Cell };
  beside?: boolean;
}) {
  if (data.length === 0) return <p className="muted">Nothing to show.</p>;
  const height = Math.max(120, 36 * data.length + 40);
  return (
    <ChartFigure
      title={title}
      summary={`${title}: ${data.map((d) => `${d.name} ${format(d.value)}`).join(', ')}`}
      headers={[nameLabel, valueLabel, ...(extra ? [extra.header] : [])]}
      rows={data.map((d, i) => [d.name, format(d.value), ...(extra ? [extra.cell(i)] : [])])}
      height={height}
      beside={beside}
    >
      <RBarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
        <CartesianGrid stroke="var(--border)" horizontal={false} />
        <XAxis type="number" tick={AXIS_TICK} tickFormatter={(v) => format(Number(v))} />
        <YAxis type="category" dataKey="name" tick={AXIS_TICK} width={110} />
        <Tooltip
          contentStyle={TOOLTIP_STYLE}
          formatter={(v) => format(Number(v))}
          cursor={{ fill: 'var(--light-gray)' }}
        />
        <Bar dataKey="value" name={valueLabel} fill={color} isAnimationActive={false} />
      </RBarChart>
    </ChartFigure>
  );
}

const pct = (v: unknown) => `${Math.round(Number(v) * 100)}%`;

/**
 * A Pareto chart: each item's value as a bar (highest first) and the cumulative share as a line
 * on a 0–100% axis, with the class limits (80%, 95%) marked.
 */
export function ParetoChart({
  title,
  data,
  format,
  valueLabel = 'Value',
  nameLabel = 'SKU',
  limits = [0.8, 0.95],
  extra,
}: {
  title: string;
  data: { name: string; value: number; cumulativeShare: number }[];
  format: (value: number) => string;
  valueLabel?: string;
  nameLabel?: string;
  limits?: number[];
  /** More columns for the data table: [header, value of row i]. */
  extra?: { header: string; cell: (i: number) => Cell };
}) {
  if (data.length === 0) return <p className="muted">Nothing to show.</p>;
  const firstOver = (limit: number) => data.findIndex((d) => d.cumulativeShare >= limit) + 1;
  const reach = limits
    .map((l) => firstOver(l))
    .map((n, i) => (n ? `${formatNumber(n)} of ${formatNumber(data.length)} reach ${pct(limits[i])}` : ''))
    .filter(Boolean)
    .join(', ');
  return (
    <ChartFigure
      title={title}
      summary={`${title}: ${formatNumber(data.length)} items${reach ? `; ${reach}` : ''}`}
      headers={[nameLabel, valueLabel, 'Cumulative share', ...(extra ? [extra.header] : [])]}
      rows={data.map((d, i) => [
        d.name,
        format(d.value),
        pct(d.cumulativeShare),
        ...(extra ? [extra.cell(i)] : []),
      ])}
    >
      <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 8 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="name" tick={AXIS_TICK} minTickGap={8} />
        <YAxis yAxisId="value" tick={AXIS_TICK} width={72} tickFormatter={(v) => format(Number(v))} />
        <YAxis
          yAxisId="share"
          orientation="right"
          domain={[0, 1]}
          tick={AXIS_TICK}
          width={44}
          tickFormatter={pct}
        />
        <Tooltip
          contentStyle={TOOLTIP_STYLE}
          formatter={(v, name) => (name === 'Cumulative share' ? pct(v) : format(Number(v)))}
          cursor={{ fill: 'var(--light-gray)' }}
        />
        <Legend />
        {limits.map((l) => (
          <ReferenceLine key={l} yAxisId="share" y={l} stroke={COLORS.gray} strokeDasharray="4 4" />
        ))}
        <Bar yAxisId="value" dataKey="value" name={valueLabel} fill={COLORS.blue} isAnimationActive={false} />
        <Line
          yAxisId="share"
          dataKey="cumulativeShare"
          name="Cumulative share"
          stroke={COLORS.orange}
          strokeWidth={2}
          dot={false}
          isAnimationActive={false}
        />
        {data.length > 30 ? <Brush dataKey="name" height={24} stroke={COLORS.blue} /> : null}
      </ComposedChart>
    </ChartFigure>
  );
}

/** One forecast day or history day, as the forecast chart plots it. */
export interface ForecastRow {
  date: string;
  units?: number | undefined;
  lostUnits?: number | undefined;
  mean?: number | undefined;
  band80?: [number, number] | undefined;
  band95?: [number, number] | undefined;
}

/** Demand history (bars: units, lost units) and the forecast (mean line, 80 % / 95 % bands). */
export function ForecastChart({
  title,
  data,
  summary,
}: {
  title: string;
  data: ForecastRow[];
  summary: string;
}) {
  const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);
  const band = (b: [number, number] | undefined) =>
    b ? `${formatNumber(round(b[0]))}–${formatNumber(round(b[1]))}` : undefined;
  const hasBand = data.some((d) => d.band80 || d.band95);
  return (
    <ChartFigure
      title={title}
      summary={summary}
      headers={[
        'Date',
        'Units',
        'Lost units',
        'Forecast',
        ...(hasBand ? ['80% interval', '95% interval'] : []),
      ]}
      rows={data.map((d) => [
        formatDate(d.date),
        d.units,
        d.lostUnits,
        round(d.mean),
        ...(hasBand ? [band(d.band80), band(d.band95)] : []),
      ])}
      height={280}
    >
      <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="date" tickFormatter={tickLabel} tick={AXIS_TICK} minTickGap={12} />
        <YAxis tick={AXIS_TICK} width={44} domain={[0, 'auto']} allowDecimals={false} />
        <Tooltip
          contentStyle={TOOLTIP_STYLE}
          labelFormatter={tickLabel}
          formatter={(value) =>
            Array.isArray(value)
              ? `${formatNumber(round(Number(value[0])))}–${formatNumber(round(Number(value[1])))}`
              : formatNumber(round(Number(value)))
          }
        />
        <Legend />
        {hasBand ? (
          <Area
            dataKey="band95"
            name="95% interval"
            stroke="none"
            fill={COLORS.blue}
            fillOpacity={0.12}
            isAnimationActive={false}
          />
        ) : null}
        {hasBand ? (
          <Area
            dataKey="band80"
            name="80% interval"
            stroke="none"
            fill={COLORS.blue}
            fillOpacity={0.25}
            isAnimationActive={false}
          />
        ) : null}
        <Bar dataKey="units" name="Units" fill={COLORS.gray} isAnimationActive={false} />
        <Bar dataKey="lostUnits" name="Lost units" fill={COLORS.red} isAnimationActive={false} />
        <Line
          dataKey="mean"
          name="Forecast"
          stroke={COLORS.blue}
          strokeWidth={2}
          dot={false}
          isAnimationActive={false}
        />
        {data.length > BRUSH_FROM ? (
          <Brush dataKey="date" height={24} stroke={COLORS.blue} tickFormatter={tickLabel} />
        ) : null}
      </ComposedChart>
    </ChartFigure>
  );
}
