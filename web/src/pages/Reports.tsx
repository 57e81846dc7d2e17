import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { saveFile } from '../api/client.ts';
import { products, reports, stock } from '../api/endpoints.ts';
import {
  MOVEMENT_GROUPS,
  type MovementGroup,
  type MovementsFilters,
  type Product,
  type ReportFilters,
  type ReportName,
  type StockLevelRow,
} from '../api/types.ts';
import { SplitBar } from '../components/Charts.tsx';
import { Freshness } from '../components/Freshness.tsx';
import { optionsOf, SelectField } from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { COLORS, NamedBarChart, UnitsBarChart } from '../components/ReportCharts.tsx';
import { CsvButton as ReportCsvButton, ReportState, type ResourceOf } from '../components/ReportParts.tsx';
import { useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, PageHeader, Stat, StockBadge } from '../components/ui.tsx';
import {
  formatDate,
  formatMoney,
  formatNumber,
  humanize,
  STOCK_STATUS_LABEL,
  stockStatus,
  toMajor,
} from '../lib/format.ts';
import { POLL_MS, useResource, useTitle } from '../lib/hooks.ts';
import {
  dashboardSummary,
  noteReportingAbsent,
  reportingAvailable,
  TREND_UNAVAILABLE,
} from '../lib/summary.ts';
import {
  AbcSection,
  AgingSection,
  DEFAULT_AGING_DAYS,
  ReservationsSection,
  StockoutsSection,
  SupplierPerformanceSection,
  TurnoverSection,
} from './AnalysisReports.tsx';

/** RFC 4180 CSV of the inventory table, built in the browser. */
export function inventoryCsv(items: Product[]): string {
  const header = [
    'SKU',
    'Name',
    'Category',
    'On hand',
    'Reserved',
    'Available',
    'Incoming',
    'Price',
    'Currency',
    'Status',
  ];
  const cell = (v: string | number | undefined) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const rows = items.map((p) => [
    p.sku,
    p.name,
    p.category,
    p.stock?.onHand,
    p.stock?.reserved,
    p.stock?.available,
    p.stock?.incoming,
    toMajor(p.price.amount, p.price.currency),
    p.price.currency,
    STOCK_STATUS_LABEL[stockStatus(p)],
  ]);
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

const FILTER_KEYS = ['from', 'to', 'category', 'locationId', 'sku'] as const;

/** The filters in the address (so a report can be bookmarked and shared). */
function filtersOf(params: URLSearchParams): ReportFilters {
  const filters: ReportFilters = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** The tabs of the page (`?report=`): the stock and value reports, then the analysis reports. */
export const REPORT_TABS = [
  { id: 'overview', label: 'Stock and value' },
  { id: 'turnover', label: 'Turnover' },
  { id: 'aging', label: 'Dead stock' },
  { id: 'abc', label: 'ABC' },
  { id: 'stockouts', label: 'Stock-outs' },
  { id: 'suppliers', label: 'Suppliers' },
  { id: 'reservations', label: 'Reservations' },
] as const;
type ReportTab = (typeof REPORT_TABS)[number]['id'];

/** What the last day means on each tab. */
const TO_HINT: Record<ReportTab, string> = {
  overview: 'Stock levels and value as of this day',
  turnover: 'The last day of the period (by default the 90 days ending today)',
  aging: 'Dead stock is as of now: the period does not apply',
  abc: 'The last day of the period (by default the 365 days ending today)',
  stockouts: 'The last day of the period (by default the 90 days ending today)',
  suppliers: 'The last day of the period (by default the 90 days ending today)',
  reservations: 'The last day of the period (by default the 90 days ending today)',
};

function tabOf(params: URLSearchParams): ReportTab {
  const id = params.get('report');
  return REPORT_TABS.find((t) => t.id === id)?.id ?? 'overview';
}

function agingDaysOf(params: URLSearchParams): number {
  const days = Number(params.get('days'));
  return Number.isInteger(days) && days >= 1 && days <= 3650 ? days : DEFAULT_AGING_DAYS;
}

/** Links to each tab, keeping the filters. */
function ReportTabs({ current, params }: { current: ReportTab; params: URLSearchParams }) {
  const href = (id: ReportTab) => {
    const out = new URLSearchParams(params);
    if (id === 'overview') out.delete('report');
    else out.set('report', id);
    const qs = out.toString();
    return qs ? `?${qs}` : '?';
  };
  return (
    <nav className="subnav" aria-label="Reports">
      <ul>
        {REPORT_TABS.map((t) => (
          <li key={t.id}>
            <Link to={href(t.id)} replace aria-current={t.id === current ? 'page' : undefined}>
              {t.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const GROUP_LABEL: Record<MovementGroup, string> = {
  day: 'Day',
  week: 'Week',
  month: 'Month',
  reason: 'Reason',
  type: 'Movement type',
};

const TIME_GROUPS: readonly MovementGroup[] = ['day', 'week', 'month'];

/** The loader of a report: a 404 means the reporting service is not deployed (remembered). */
const probing =
  <T,>(load: () => Promise<T>) =>
  async (): Promise<T> => {
    try {
      return await load();
    } catch (error) {
      noteReportingAbsent(error);
      throw error;
    }
  };

export default function Reports() {
  useTitle('Reports');
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const groupBy = (MOVEMENT_GROUPS as readonly string[]).includes(params.get('groupBy') ?? '')
    ? (params.get('groupBy') as MovementGroup)
    : 'day';
  const key = JSON.stringify(filters);
  const tab = tabOf(params);
  const agingDays = agingDaysOf(params);
  const [available] = useState(reportingAvailable);
  const enabled = available;
  const overview = enabled && tab === 'overview';
  const levels = useResource(
    probing(() => reports.stockLevels(filters)),
    [key],
    { enabled: overview },
  );
  const movements = useResource(
    probing(() => reports.movements({ ...filters, groupBy })),
    [key, groupBy],
    { enabled: overview },
  );
  // Always: its categories fill the filter's suggestions.
  const valuation = useResource(
    probing(() => reports.valuation(filters)),
    [key],
    { enabled },
  );
  const [exporting, setExporting] = useState(false);

  const setFilters = (next: ReportFilters) => {
    // The tab, the grouping and the aging days stay.
    const out = new URLSearchParams(params);
    for (const k of FILTER_KEYS) out.delete(k);
    for (const k of FILTER_KEYS) if (next[k]) out.set(k, next[k]);
    setParams(out, { replace: true });
  };
  const setAgingDays = (next: number) => {
    const out = new URLSearchParams(params);
    if (next === DEFAULT_AGING_DAYS) out.delete('days');
    else out.set('days', String(next));
    setParams(out, { replace: true });
  };
  const setGroupBy = (next: MovementGroup) => {
    const out = new URLSearchParams(params);
    if (next === 'day') out.delete('groupBy');
    else out.set('groupBy', next);
    setParams(out, { replace: true });
  };

  const downloadInventory = async () => {
    setExporting(true);
    try {
      const { items, truncated } = await products.listAll({ status: 'active' }, 10_000);
      const blob = new Blob([inventoryCsv(items)], { type: 'text/csv;charset=utf-8' });
      saveFile(blob, `inventory-${new Date().toISOString().slice(0, 10)}.csv`);
      toast.success(
        `Exported ${formatNumber(items.length)} products${truncated ? ' (the first 10,000)' : ''}`,
      );
    } catch (e) {
      toast.error(e);
    } finally {
      setExporting(false);
    }
  };

  const absent =
    !reportingAvailable() ||
    [levels, movements, valuation].some((r) => (r.error as { status?: number } | undefined)?.status === 404);

  return (
    <>
      <PageHeader title="Reports">
        <button
          type="button"
          className="button button-secondary"
          onClick={() => void downloadInventory()}
          disabled={exporting}
        >
          <Icon name="download" /> {exporting ? 'Exporting…' : 'Download inventory CSV'}
        </button>
      </PageHeader>
      {absent ? (
        <BrowserReports />
      ) : (
        <>
          <ReportFiltersForm
            // A new form when the address changes (back, a shared link): its fields start from it.
            key={key}
            filters={filters}
            categories={valuation.data?.byCategory.map((c) => c.category) ?? []}
            onApply={setFilters}
            toHint={TO_HINT[tab]}
          />
          <ReportTabs current={tab} params={params} />
          {tab === 'overview' ? (
            <>
              <StockLevelsSection resource={levels} filters={filters} />
              <MovementsSection
                resource={movements}
                filters={filters}
                groupBy={groupBy}
                onGroupBy={setGroupBy}
              />
              <ValuationSection resource={valuation} filters={filters} />
            </>
          ) : null}
          {tab === 'turnover' ? <TurnoverSection filters={filters} /> : null}
          {tab === 'aging' ? <AgingSection filters={filters} days={agingDays} onDays={setAgingDays} /> : null}
          {tab === 'abc' ? <AbcSection filters={filters} /> : null}
          {tab === 'stockouts' ? <StockoutsSection filters={filters} /> : null}
          {tab === 'suppliers' ? <SupplierPerformanceSection filters={filters} /> : null}
          {tab === 'reservations' ? <ReservationsSection filters={filters} /> : null}
        </>
      )}
    </>
  );
}

function ReportFiltersForm({
  filters,
  categories,
  onApply,
  toHint = 'Stock levels and value as of this day',
}: {
  filters: ReportFilters;
  categories: string[];
  onApply(filters: ReportFilters): void;
  toHint?: string;
}) {
  const [draft, setDraft] = useState<ReportFilters>(filters);
  const locations = useResource(() => stock.locations(), []);
  const set = (k: keyof ReportFilters, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft, sku: draft.sku?.trim().toUpperCase() });
  };
  const invalidRange = Boolean(draft.from && draft.to && draft.from > draft.to);
  return (
    <form className="card filters report-filters" aria-label="Report filters" onSubmit={submit}>
      <div className="field">
        <label htmlFor="report-from">From</label>
        <input
          id="report-from"
          type="date"
          value={draft.from ?? ''}
          max={draft.to || undefined}
          onChange={(e) => set('from', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="report-to">To</label>
        <input
          id="report-to"
          type="date"
          value={draft.to ?? ''}
          min={draft.from || undefined}
          aria-describedby="report-to-hint"
          onChange={(e) => set('to', e.target.value)}
        />
        <small id="report-to-hint" className="field-hint">
          {toHint}
        </small>
      </div>
      <div className="field">
        <label htmlFor="report-category">Category</label>
        <input
          id="report-category"
          list="report-categories"
          value={draft.category ?? ''}
          onChange={(e) => set('category', e.target.value)}
        />
        <datalist id="report-categories">
          {categories.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      </div>
      <SelectField
        label="Location"
        empty="All locations"
        value={draft.locationId ?? ''}
        onChange={(v) => set('locationId', v)}
        options={optionsOf(locations.data?.items, draft.locationId)}
      />
      <div className="field">
        <label htmlFor="report-sku">SKU</label>
        <input
          id="report-sku"
          value={draft.sku ?? ''}
          autoCapitalize="characters"
          onChange={(e) => set('sku', e.target.value)}
        />
      </div>
      <div className="filters-actions">
        <button type="submit" className="button button-primary" disabled={invalidRange}>
          Apply filters
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          Clear
        </button>
      </div>
      {invalidRange ? (
        <p className="field-error" role="alert">
          The first day comes after the last one.
        </p>
      ) : null}
    </form>
  );
}

/** Fetches one of these reports as CSV with the bearer token and saves it. */
function CsvButton({
  report,
  filters,
  label,
}: {
  report: ReportName;
  filters: MovementsFilters;
  label: string;
}) {
  return <ReportCsvButton load={() => reports.csv(report, filters)} name={report} label={label} />;
}

const STATUS_OF: Record<StockLevelRow['status'], 'in' | 'low' | 'out'> = {
  in_stock: 'in',
  low: 'low',
  out: 'out',
};

/** The SKUs with the most on hand (summed over locations), for the chart. */
function topSkus(rows: StockLevelRow[], n = 15) {
  const bySku = new Map<string, { sku: string; available: number; reserved: number; onHand: number }>();
  for (const r of rows) {
    const s = bySku.get(r.sku) ?? { sku: r.sku, available: 0, reserved: 0, onHand: 0 };
    s.available += r.available;
    s.reserved += r.reserved;
    s.onHand += r.onHand;
    bySku.set(r.sku, s);
  }
  return [...bySku.values()].sort((a, b) => b.onHand - a.onHand || a.sku.localeCompare(b.sku)).slice(0, n);
}

function StockLevelsSection({
  resource,
  filters,
}: {
  resource: ResourceOf<Awaited<ReturnType<typeof reports.stockLevels>>>;
  filters: ReportFilters;
}) {
  const report = resource.data;
  const counts = { in_stock: 0, low: 0, out: 0 };
  for (const r of report?.rows ?? []) counts[r.status]++;
  const top = report ? topSkus(report.rows) : [];
  return (
    <section className="card" aria-labelledby="levels-title">
      <div className="card-header">
        <h2 id="levels-title">Stock levels</h2>
        <CsvButton report="stock-levels" filters={filters} label="Stock levels" />
      </div>
      <ReportState resource={resource} label="stock levels" />
      {report ? (
        <>
          <p className="report-meta">
            <strong>As of {report.asOf ? `the end of ${formatDate(report.asOf)}` : 'now'}</strong> ·{' '}
            {formatNumber(counts.in_stock)} in stock, {formatNumber(counts.low)} low,{' '}
            {formatNumber(counts.out)} out
          </p>
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          {report.rows.length === 0 ? (
            <p className="muted">No stock matches these filters.</p>
          ) : (
            <>
              <UnitsBarChart
                title={`Units per SKU, the ${formatNumber(top.length)} with most on hand`}
                data={top}
                xKey="sku"
                xLabel="SKU"
                brush={false}
                bars={[
                  { key: 'available', label: 'Available', color: COLORS.green },
                  { key: 'reserved', label: 'Reserved', color: COLORS.orange },
                ]}
              />
              <div className="table-wrap table-scroll">
                <table className="table table-compact">
                  <caption>Stock per SKU and location</caption>
                  <thead>
                    <tr>
                      <th scope="col">SKU</th>
                      <th scope="col">Name</th>
                      <th scope="col">Category</th>
                      <th scope="col">Location</th>
                      <th scope="col" className="numeric">
                        On hand
                      </th>
                      <th scope="col" className="numeric">
                        Reserved
                      </th>
                      <th scope="col" className="numeric">
                        Available
                      </th>
                      <th scope="col" className="numeric">
                        Reorder point
                      </th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.rows.map((r) => (
                      <tr key={`${r.sku}|${r.locationId}`}>
                        <th scope="row" className="mono">
                          {r.sku}
                        </th>
                        <td>{r.name}</td>
                        <td>{r.category}</td>
                        <td>{r.locationId}</td>
                        <td className="numeric">{formatNumber(r.onHand)}</td>
                        <td className="numeric">{formatNumber(r.reserved)}</td>
                        <td className="numeric">{formatNumber(r.available)}</td>
                        <td className="numeric">
                          {r.reorderPoint === null ? '—' : formatNumber(r.reorderPoint)}
                        </td>
                        <td>
                          <StockBadge status={STATUS_OF[r.status]} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      ) : null}
    </section>
  );
}

function MovementsSection({
  resource,
  filters,
  groupBy,
  onGroupBy,
}: {
  resource: ResourceOf<Awaited<ReturnType<typeof reports.movements>>>;
  filters: ReportFilters;
  groupBy: MovementGroup;
  onGroupBy(groupBy: MovementGroup): void;
}) {
  const report = resource.data;
  const shown = report && report.groupBy === groupBy ? report : undefined;
  const label = (g: string) => (TIME_GROUPS.includes(groupBy) ? g : humanize(g));
  return (
    <section className="card" aria-labelledby="movements-title">
      <div className="card-header">
        <h2 id="movements-title">Movements</h2>
        <CsvButton report="movements" filters={{ ...filters, groupBy }} label="Movements" />
      </div>
      <fieldset className="segmented">
        <legend>Group by</legend>
        {MOVEMENT_GROUPS.map((g) => (
          <label key={g} className={g === groupBy ? 'selected' : undefined}>
            <input
              type="radio"
              name="movements-group"
              className="sr-only"
              checked={g === groupBy}
              onChange={() => onGroupBy(g)}
            />
            {GROUP_LABEL[g]}
          </label>
        ))}
      </fieldset>
      <p className="report-meta">
        {filters.from || filters.to
          ? `${filters.from ? formatDate(filters.from) : 'The first movement'} to ${filters.to ? formatDate(filters.to) : 'today'}`
          : 'All time'}
        {filters.locationId
          ? ''
          : ' · transfers between locations are not counted unless a location is chosen'}
      </p>
      <ReportState resource={resource} label="movements" />
      {shown ? (
        <>
          <Freshness dataAsOf={shown.dataAsOf} lagSeconds={shown.lagSeconds} />
          <UnitsBarChart
            title={`Units in and out per ${GROUP_LABEL[groupBy].toLowerCase()}`}
            data={shown.rows.map((r) => ({ ...r, group: label(r.group) }))}
            xKey="group"
            xLabel={GROUP_LABEL[groupBy]}
            brush={TIME_GROUPS.includes(groupBy)}
            bars={[
              { key: 'inbound', label: 'Inbound', color: COLORS.blue },
              { key: 'outbound', label: 'Outbound', color: COLORS.orange },
            ]}
            line={{ key: 'net', label: 'Net', color: COLORS.green }}
            emptyText="No movements match these filters."
            beside
          />
        </>
      ) : null}
    </section>
  );
}

function ValuationSection({
  resource,
  filters,
}: {
  resource: ResourceOf<Awaited<ReturnType<typeof reports.valuation>>>;
  filters: ReportFilters;
}) {
  const report = resource.data;
  const money = (amount: number) => formatMoney({ amount, currency: report?.currency ?? 'USD' });
  return (
    <section className="card" aria-labelledby="valuation-title">
      <div className="card-header">
        <h2 id="valuation-title">Valuation</h2>
        <CsvButton report="valuation" filters={filters} label="Valuation" />
      </div>
      <ReportState resource={resource} label="valuation" />
      {report ? (
        <>
          <p className="report-meta">
            <strong>As of {report.asOf ? `the end of ${formatDate(report.asOf)}` : 'now'}</strong> · on hand ×
            cost
          </p>
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          <div className="stats">
            <Stat label="Value at cost" value={money(report.total)} />
            <Stat label="Value at retail" value={money(report.totalRetail)} />
            <Stat
              label="Products without cost"
              value={formatNumber(report.withoutCost.length)}
              tone={report.withoutCost.length ? 'low' : undefined}
            />
          </div>
          {report.withoutCost.length ? (
            <div className="callout callout-warning" role="note">
              <p>
                <strong>
                  {formatNumber(report.withoutCost.length)}{' '}
                  {report.withoutCost.length === 1 ? 'product holds' : 'products hold'} stock without a cost:
                </strong>{' '}
                {report.withoutCost.length === 1 ? 'its' : 'their'} value is unknown and counted as 0.
              </p>
              <ul className="plain-list">
                {report.withoutCost.map((p) => (
                  <li key={p.sku}>
                    <Link to={`/products/${encodeURIComponent(p.sku)}`} className="mono">
                      {p.sku}
                    </Link>{' '}
                    {p.name}: {formatNumber(p.onHand)} on hand
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <h3>By category</h3>
          <NamedBarChart
            title="Value at cost by category"
            data={report.byCategory.map((c) => ({ name: c.category, value: c.value }))}
            nameLabel="Category"
            valueLabel="Value at cost"
            format={money}
            extra={{ header: 'Units', cell: (i) => report.byCategory[i]?.units }}
            beside
          />
          <h3>By location</h3>
          <NamedBarChart
            title="Value at cost by location"
            data={report.byLocation.map((l) => ({ name: l.locationId, value: l.value }))}
            nameLabel="Location"
            valueLabel="Value at cost"
            format={money}
            color={COLORS.green}
            extra={{ header: 'Units', cell: (i) => report.byLocation[i]?.units }}
            beside
          />
        </>
      ) : null}
    </section>
  );
}

/** Today's figures, worked out in the browser, while the reporting service is not deployed. */
function BrowserReports() {
  const summary = useResource(() => dashboardSummary(), [], { pollMs: POLL_MS });
  const s = summary.data;
  return (
    <>
      <p className="callout">
        The stock-level, movement and valuation reports come with the reporting service, which is not
        available yet. These figures are worked out from the products.
      </p>
      {summary.error && !s ? <LoadError error={summary.error} retry={() => void summary.reload()} /> : null}
      {summary.loading && !s ? <Loading label="Loading report…" /> : null}
      {s ? (
        <>
          <section className="card" aria-labelledby="levels-title">
            <h2 id="levels-title">Stock levels and valuation</h2>
            <div className="stats stats-wide">
              <Stat label="Products (SKUs)" value={formatNumber(s.totalSkus)} />
              <Stat label="Units on hand" value={formatNumber(s.totalUnitsOnHand)} />
              <Stat label="Inventory value (at cost)" value={formatMoney(s.inventoryValue)} />
              <Stat label="Reserved" value={formatNumber(s.totalReserved)} />
              <Stat label="Available" value={formatNumber(s.totalAvailable)} />
              <Stat
                label="Low stock"
                value={formatNumber(s.lowStockCount)}
                tone={s.lowStockCount ? 'low' : undefined}
              />
              <Stat
                label="Out of stock"
                value={formatNumber(s.outOfStockCount)}
                tone={s.outOfStockCount ? 'out' : undefined}
              />
            </div>
            <SplitBar
              parts={[
                { label: 'Reserved', value: s.totalReserved, className: 'fill-orange' },
                { label: 'Available', value: s.totalAvailable, className: 'fill-green' },
              ]}
            />
          </section>
          <section className="card" aria-labelledby="movements-title">
            <h2 id="movements-title">Movements, last 30 days</h2>
            <p className="muted">{TREND_UNAVAILABLE}</p>
          </section>
        </>
      ) : null}
    </>
  );
}
