import { type ReactNode, useState } from 'react';
import { ApiError, type ApiFile, saveFile } from '../api/client.ts';
import { formatNumber } from '../lib/format.ts';
import type { useResource } from '../lib/hooks.ts';
import { Icon } from './Icon.tsx';
import { useToast } from './Toasts.tsx';
import { LoadError, Loading } from './ui.tsx';

/** The parts every report section shares: its CSV button, its loading and error states, its figures. */

export type ResourceOf<T> = ReturnType<typeof useResource<T>>;

/** Fetches a report as CSV with the bearer token and saves it. */
export function CsvButton({
  load,
  name,
  label,
}: {
  /** Fetches the CSV (`reports.csv(…)`). */
  load: () => Promise<ApiFile>;
  /** The file name when the server suggests none (without the date and extension). */
  name: string;
  label: string;
}) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const file = await load();
      saveFile(file.blob, file.fileName ?? `${name}-${new Date().toISOString().slice(0, 10)}.csv`);
      toast.success(`${label} downloaded`);
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className="button button-secondary button-small"
      onClick={() => void download()}
      disabled={busy}
      aria-label={`Download CSV: ${label}`}
    >
      <Icon name="download" /> {busy ? 'Downloading…' : 'Download CSV'}
    </button>
  );
}

export const isNotFound = (error: unknown): boolean =>
  (error instanceof ApiError || (typeof error === 'object' && error !== null && 'status' in error)) &&
  (error as { status?: number }).status === 404;

/** Loading, or the error with a retry; a 404 says the report is not available (yet). */
export function ReportState<T>({ resource, label }: { resource: ResourceOf<T>; label: string }) {
  if (resource.error && !resource.data) {
    if (isNotFound(resource.error))
      return <p className="muted">The {label} report is not available yet on this server.</p>;
    return <LoadError error={resource.error} retry={() => void resource.reload()} />;
  }
  if (resource.loading && !resource.data) return <Loading label={`Loading ${label}…`} />;
  return null;
}

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const decimal2 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** A ratio (0–1) as a percentage; null: "—". */
export const formatPercent = (ratio: number | null | undefined): string =>
  ratio === null || ratio === undefined ? '—' : percent.format(ratio);

/** A figure with up to one decimal (days, turns); null: "—". */
export const formatDecimal = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : decimal.format(n);

/** A turnover ratio ("4.25×"); null: "—". */
export const formatTimes = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : `${decimal2.format(n)}×`;

/** Days, rounded to one decimal ("12.5 days"); null: "—". */
export const formatDays = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : `${decimal.format(n)} ${n === 1 ? 'day' : 'days'}`;

/** Whole units. */
export const units = (n: number): string => formatNumber(n);

export interface Column<Row> {
  header: string;
  numeric?: boolean;
  cell: (row: Row) => ReactNode;
}

/** A report's table: the first column heads its row. */
export function ReportTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
}: {
  caption: string;
  columns: Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
}) {
  return (
    <div className="table-wrap table-scroll">
      <table className="table table-compact">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.numeric ? 'numeric' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c, i) =>
                i === 0 ? (
                  <th key={c.header} scope="row" className={c.numeric ? 'numeric' : undefined}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.header} className={c.numeric ? 'numeric' : undefined}>
                    {c.cell(row)}
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
