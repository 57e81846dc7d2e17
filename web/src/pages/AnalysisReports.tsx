import { Link } from 'react-router';
import { reports } from '../api/endpoints.ts';
import type {
  AbcClass,
  AbcRow,
  AgingFilters,
  AgingRow,
  ReportFilters,
  ReportPeriod,
  StockoutsReport,
  SupplierPerformanceRow,
  TurnoverRow,
} from '../api/types.ts';
import { Freshness } from '../components/Freshness.tsx';
import { COLORS, NamedBarChart, ParetoChart, UnitsBarChart } from '../components/ReportCharts.tsx';
import {
  type Column,
  CsvButton,
  formatDays,
  formatDecimal,
  formatPercent,
  formatTimes,
  ReportState,
  ReportTable,
} from '../components/ReportParts.tsx';
import { Stat } from '../components/ui.tsx';
import { formatDate, formatMoney, formatNumber } from '../lib/format.ts';
import { useResource } from '../lib/hooks.ts';

/**
 * The analysis reports of the Reports page, one per tab: turnover, dead stock, ABC, stock-outs
 * and fill rate, supplier performance, reservations. Each loads when its tab opens, takes the
 * page's filters (the address) and downloads as CSV.
 */

export const AGING_DAYS = [30, 60, 90, 180, 365] as const;
export const DEFAULT_AGING_DAYS = 90;

const skuLink = (sku: string) => (
  <Link to={`/products/${encodeURIComponent(sku)}`} className="mono">
    {sku}
  </Link>
);

const moneyIn = (currency: string) => (amount: number) => formatMoney({ amount, currency });

function PeriodLine({ period, note }: { period: ReportPeriod; note?: string }) {
  return (
    <p className="report-meta">
      <strong>
        {formatDate(period.from)} to {formatDate(period.to)}
      </strong>{' '}
      · {formatNumber(period.days)} {period.days === 1 ? 'day' : 'days'}
      {note ? ` · ${note}` : ''}
    </p>
  );
}

// ------------------------------------------------------------------------------ turnover

export function TurnoverSection({ filters }: { filters: ReportFilters }) {
  const resource = useResource(() => reports.turnover(filters), [JSON.stringify(filters)]);
  const report = resource.data;
  const money = moneyIn(report?.currency ?? 'USD');
  const top = (report?.rows ?? [])
    .filter((r) => r.turnover !== null)
    .sort((a, b) => (b.turnover ?? 0) - (a.turnover ?? 0) || a.sku.localeCompare(b.sku))
    .slice(0, 10);
  const columns: Column<TurnoverRow>[] = [
    { header: 'SKU', cell: (r) => skuLink(r.sku) },
    { header: 'Name', cell: (r) => r.name },
    { header: 'Category', cell: (r) => r.category },
    { header: 'Units sold', numeric: true, cell: (r) => formatNumber(r.unitsSold) },
    { header: 'COGS', numeric: true, cell: (r) => money(r.cogs) },
    { header: 'Average on hand', numeric: true, cell: (r) => formatDecimal(r.averageOnHand) },
    { header: 'Average value', numeric: true, cell: (r) => money(r.averageInventoryValue) },
    { header: 'On hand at end', numeric: true, cell: (r) => formatNumber(r.onHandEnd) },
    { header: 'Turnover', numeric: true, cell: (r) => formatTimes(r.turnover) },
    { header: 'Days of cover', numeric: true, cell: (r) => formatDecimal(r.daysOfCover) },
    { header: 'Sell-through', numeric: true, cell: (r) => formatPercent(r.sellThrough) },
  ];
  return (
    <section className="card" aria-labelledby="turnover-title">
      <div className="card-header">
        <h2 id="turnover-title">Turnover</h2>
        <CsvButton load={() => reports.csv('turnover', filters)} name="turnover" label="Turnover" />
      </div>
      <ReportState resource={resource} label="turnover" />
      {report ? (
        <>
          <PeriodLine period={report} note="turnover = COGS / average inventory value" />
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          <div className="stats">
            <Stat label="Turnover" value={formatTimes(report.totals.turnover)} />
            <Stat label="Units sold" value={formatNumber(report.totals.unitsSold)} />
            <Stat label="Cost of goods sold" value={money(report.totals.cogs)} />
            <Stat label="Average inventory value" value={money(report.totals.averageInventoryValue)} />
          </div>
          {report.rows.length === 0 ? (
            <p className="muted">No stock or sales match these filters in this period.</p>
          ) : (
            <>
              <NamedBarChart
                title={`Turnover, the ${formatNumber(top.length)} fastest-turning SKUs`}
                data={top.map((r) => ({ name: r.sku, value: r.turnover ?? 0 }))}
                nameLabel="SKU"
                valueLabel="Turnover"
                format={formatTimes}
                extra={{ header: 'Days of cover', cell: (i) => formatDecimal(top[i]?.daysOfCover) }}
              />
              <ReportTable
                caption="Turnover per SKU"
                columns={columns}
                rows={report.rows}
                rowKey={(r) => r.sku}
              />
            </>
          )}
        </>
      ) : null}
    </section>
  );
}

// ------------------------------------------------------------------------------ aging

export function AgingSection({
  filters,
  days,
  onDays,
}: {
  filters: ReportFilters;
  days: number;
  onDays(days: number): void;
}) {
  const query: AgingFilters = {
    category: filters.category,
    locationId: filters.locationId,
    sku: filters.sku,
    days,
  };
  const resource = useResource(() => reports.aging(query), [JSON.stringify(query)]);
  const report = resource.data;
  const shown = report && report.days === days ? report : undefined;
  const money = moneyIn(report?.currency ?? 'USD');
  const columns: Column<AgingRow>[] = [
    { header: 'SKU', cell: (r) => skuLink(r.sku) },
    { header: 'Name', cell: (r) => r.name },
    { header: 'Category', cell: (r) => r.category },
    { header: 'On hand', numeric: true, cell: (r) => formatNumber(r.onHand) },
    { header: 'Value', numeric: true, cell: (r) => money(r.value) },
    { header: 'Last out', cell: (r) => (r.lastOutbound ? formatDate(r.lastOutbound) : 'Never') },
    { header: 'Stocked since', cell: (r) => (r.stockedSince ? formatDate(r.stockedSince) : '—') },
    {
      header: 'Days idle',
      numeric: true,
      cell: (r) => (r.daysSinceOutbound === null ? '—' : formatNumber(r.daysSinceOutbound)),
    },
  ];
  const options = (AGING_DAYS as readonly number[]).includes(days) ? AGING_DAYS : [...AGING_DAYS, days];
  return (
    <section className="card" aria-labelledby="aging-title">
      <div className="card-header">
        <h2 id="aging-title">Dead stock</h2>
        <CsvButton load={() => reports.csv('aging', query)} name="aging" label="Dead stock" />
      </div>
      <div className="field field-inline">
        <label htmlFor="aging-days">Idle for at least</label>
        <select id="aging-days" value={days} onChange={(e) => onDays(Number(e.target.value))}>
          {options.map((d) => (
            <option key={d} value={d}>
              {formatNumber(d)} days
            </option>
          ))}
        </select>
      </div>
      <ReportState resource={resource} label="dead stock" />
      {shown ? (
        <>
          <p className="report-meta">
            <strong>As of {formatDate(shown.asOf)}</strong> · stock whose on hand has not gone down for{' '}
            {formatNumber(shown.days)} days (the period filters do not apply)
          </p>
          <Freshness dataAsOf={shown.dataAsOf} lagSeconds={shown.lagSeconds} />
          <div className="stats">
            <Stat
              label="Idle SKUs"
              value={formatNumber(shown.totals.skus)}
              tone={shown.totals.skus ? 'low' : undefined}
            />
            <Stat label="Idle units" value={formatNumber(shown.totals.units)} />
            <Stat label="Idle value at cost" value={money(shown.totals.value)} />
          </div>
          {shown.rows.length === 0 ? (
            <p className="muted">No stock has been idle that long.</p>
          ) : (
            <ReportTable
              caption="Idle stock per SKU, by value"
              columns={columns}
              rows={shown.rows}
              rowKey={(r) => r.sku}
            />
          )}
        </>
      ) : null}
    </section>
  );
}

// ------------------------------------------------------------------------------ ABC

const CLASS_TONE: Record<AbcClass, string> = { A: 'success', B: 'warning', C: 'muted' };
const CLASS_WORDS: Record<AbcClass, string> = {
  A: 'the SKUs making up the first 80% of consumption value',
  B: 'the next 15%',
  C: 'the last 5%, and SKUs without consumption value',
};

export function AbcBadge({ value }: { value: AbcClass }) {
  return (
    <span className={`badge badge-${CLASS_TONE[value]}`} title={`Class ${value}: ${CLASS_WORDS[value]}`}>
      {value}
    </span>
  );
}

export function AbcSection({ filters }: { filters: ReportFilters }) {
  const resource = useResource(() => reports.abc(filters), [JSON.stringify(filters)]);
  const report = resource.data;
  const money = moneyIn(report?.currency ?? 'USD');
  const valued = (report?.rows ?? []).filter((r) => r.value > 0);
  const columns: Column<AbcRow>[] = [
    { header: 'SKU', cell: (r) => skuLink(r.sku) },
    { header: 'Name', cell: (r) => r.name },
    { header: 'Category', cell: (r) => r.category },
    { header: 'Units sold', numeric: true, cell: (r) => formatNumber(r.unitsSold) },
    { header: 'Value', numeric: true, cell: (r) => money(r.value) },
    { header: 'Share', numeric: true, cell: (r) => formatPercent(r.share) },
    { header: 'Cumulative', numeric: true, cell: (r) => formatPercent(r.cumulativeShare) },
    { header: 'Class', cell: (r) => <AbcBadge value={r.class} /> },
  ];
  return (
    <section className="card" aria-labelledby="abc-title">
      <div className="card-header">
        <h2 id="abc-title">ABC classification</h2>
        <CsvButton load={() => reports.csv('abc', filters)} name="abc" label="ABC classification" />
      </div>
      <ReportState resource={resource} label="ABC" />
      {report ? (
        <>
          <PeriodLine period={report} note="by consumption value (units sold × cost)" />
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          <div className="stats">
            <Stat label="Consumption value" value={money(report.total)} />
            {report.classes.map((c) => (
              <Stat key={c.class} label={`Class ${c.class}`} value={`${formatNumber(c.skus)} SKUs`}>
                <span className="stat-note">
                  {money(c.value)} · {formatPercent(c.share)}
                </span>
              </Stat>
            ))}
          </div>
          {report.rows.length === 0 ? (
            <p className="muted">No sales match these filters in this period.</p>
          ) : (
            <>
              <ParetoChart
                title="Consumption value per SKU and cumulative share"
                data={valued.map((r) => ({
                  name: r.sku,
                  value: r.value,
                  cumulativeShare: r.cumulativeShare,
                }))}
                format={money}
                valueLabel="Consumption value"
                extra={{ header: 'Class', cell: (i) => valued[i]?.class }}
              />
              <ReportTable
                caption="ABC class per SKU"
                columns={columns}
                rows={report.rows}
                rowKey={(r) => r.sku}
              />
            </>
          )}
        </>
      ) : null}
    </section>
  );
}

// ------------------------------------------------------------------------------ stock-outs

type StockoutRow = StockoutsReport['rows'][number];
type FillRow = StockoutsReport['fillRateBySku'][number];

export function StockoutsSection({ filters }: { filters: ReportFilters }) {
  const resource = useResource(() => reports.stockouts(filters), [JSON.stringify(filters)]);
  const report = resource.data;
  const stockoutColumns: Column<StockoutRow>[] = [
    { header: 'SKU', cell: (r) => skuLink(r.sku) },
    { header: 'Name', cell: (r) => r.name },
    { header: 'Location', cell: (r) => r.locationId },
    { header: 'Stock-outs', numeric: true, cell: (r) => formatNumber(r.stockouts) },
    { header: 'Days out of stock', numeric: true, cell: (r) => formatNumber(r.daysOutOfStock) },
    {
      header: 'Out at the end',
      cell: (r) =>
        r.outAtEnd ? <span className="badge badge-danger">Out</span> : <span className="muted">No</span>,
    },
  ];
  const fillColumns: Column<FillRow>[] = [
    { header: 'SKU', cell: (r) => skuLink(r.sku) },
    { header: 'Name', cell: (r) => r.name },
    { header: 'Units ordered', numeric: true, cell: (r) => formatNumber(r.unitsOrdered) },
    { header: 'Units reserved', numeric: true, cell: (r) => formatNumber(r.unitsReserved) },
    { header: 'Units rejected', numeric: true, cell: (r) => formatNumber(r.unitsRejected) },
    { header: 'Fill rate', numeric: true, cell: (r) => formatPercent(r.rate) },
  ];
  const rate = report?.fillRate.rate ?? null;
  return (
    <section className="card" aria-labelledby="stockouts-title">
      <div className="card-header">
        <h2 id="stockouts-title">Stock-outs and fill rate</h2>
        <CsvButton
          load={() => reports.csv('stockouts', filters)}
          name="stockouts"
          label="Stock-outs and fill rate"
        />
      </div>
      <ReportState resource={resource} label="stock-outs" />
      {report ? (
        <>
          <PeriodLine period={report} note="fill rate = units reserved / units ordered" />
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          <div className="stats">
            <Stat
              label="Fill rate"
              value={formatPercent(rate)}
              tone={rate !== null && rate < 0.95 ? 'low' : undefined}
            />
            <Stat label="Units ordered" value={formatNumber(report.fillRate.unitsOrdered)} />
            <Stat label="Units reserved" value={formatNumber(report.fillRate.unitsReserved)} />
            <Stat
              label="Units rejected"
              value={formatNumber(report.fillRate.unitsRejected)}
              tone={report.fillRate.unitsRejected ? 'out' : undefined}
            />
            <Stat
              label="SKUs that ran out"
              value={formatNumber(new Set(report.rows.map((r) => r.sku)).size)}
            />
          </div>
          <h3>Stock-outs</h3>
          {report.rows.length === 0 ? (
            <p className="muted">Nothing ran out in this period.</p>
          ) : (
            <ReportTable
              caption="Stock-outs per SKU and location"
              columns={stockoutColumns}
              rows={report.rows}
              rowKey={(r) => `${r.sku}|${r.locationId}`}
            />
          )}
          <h3>Fill rate per SKU</h3>
          {report.fillRateBySku.length === 0 ? (
            <p className="muted">No orders were placed in this period.</p>
          ) : (
            <ReportTable
              caption="Fill rate per SKU"
              columns={fillColumns}
              rows={report.fillRateBySku}
              rowKey={(r) => r.sku}
            />
          )}
        </>
      ) : null}
    </section>
  );
}

// ------------------------------------------------------------------------------ suppliers

/** Observed against promised: "2.5 days late" / "on time" words for the lead-time gap. */
function leadTimeGap(r: SupplierPerformanceRow): string {
  if (r.averageLeadTimeDays === null || r.promisedLeadTimeDays === null) return '—';
  const gap = r.averageLeadTimeDays - r.promisedLeadTimeDays;
  if (Math.abs(gap) < 0.05) return 'as promised';
  return `${formatDays(Math.abs(gap))} ${gap > 0 ? 'slower' : 'faster'}`;
}

export function SupplierPerformanceSection({ filters }: { filters: ReportFilters }) {
  const resource = useResource(() => reports.supplierPerformance(filters), [JSON.stringify(filters)]);
  const report = resource.data;
  const columns: Column<SupplierPerformanceRow>[] = [
    {
      header: 'Supplier',
      cell: (r) => (
        <Link to={`/purchasing/suppliers/${encodeURIComponent(r.supplierId)}`}>{r.name ?? r.supplierId}</Link>
      ),
    },
    { header: 'Purchase orders', numeric: true, cell: (r) => formatNumber(r.purchaseOrders) },
    { header: 'Rejected or cancelled', numeric: true, cell: (r) => formatNumber(r.rejectedOrCancelled) },
    { header: 'Receipts', numeric: true, cell: (r) => formatNumber(r.receipts) },
    { header: 'Units ordered', numeric: true, cell: (r) => formatNumber(r.unitsOrdered) },
    { header: 'Units received', numeric: true, cell: (r) => formatNumber(r.unitsReceived) },
    { header: 'Received', numeric: true, cell: (r) => formatPercent(r.receivedRate) },
    { header: 'Lead time observed', numeric: true, cell: (r) => formatDays(r.averageLeadTimeDays) },
    { header: 'Lead time promised', numeric: true, cell: (r) => formatDays(r.promisedLeadTimeDays) },
    { header: 'Observed vs promised', cell: leadTimeGap },
    { header: 'On time', numeric: true, cell: (r) => formatPercent(r.onTimeRate) },
  ];
  return (
    <section className="card" aria-labelledby="suppliers-title">
      <div className="card-header">
        <h2 id="suppliers-title">Supplier performance</h2>
        <CsvButton
          load={() => reports.csv('supplier-performance', filters)}
          name="supplier-performance"
          label="Supplier performance"
        />
      </div>
      <ReportState resource={resource} label="supplier performance" />
      {report ? (
        <>
          <PeriodLine period={report} note="over the purchase orders raised in the period" />
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          {report.rows.length === 0 ? (
            <p className="muted">No purchase orders were raised in this period.</p>
          ) : (
            <ReportTable
              caption="Performance per supplier"
              columns={columns}
              rows={report.rows}
              rowKey={(r) => r.supplierId}
            />
          )}
        </>
      ) : null}
    </section>
  );
}

// ------------------------------------------------------------------------------ reservations

export function ReservationsSection({ filters }: { filters: ReportFilters }) {
  const resource = useResource(() => reports.reservations(filters), [JSON.stringify(filters)]);
  const report = resource.data;
  return (
    <section className="card" aria-labelledby="reservations-title">
      <div className="card-header">
        <h2 id="reservations-title">Reservations</h2>
        <CsvButton
          load={() => reports.csv('reservations', filters)}
          name="reservations"
          label="Reservations"
        />
      </div>
      <ReportState resource={resource} label="reservations" />
      {report ? (
        <>
          <PeriodLine period={report} note="expired reservations and orders rejected for want of stock" />
          <Freshness dataAsOf={report.dataAsOf} lagSeconds={report.lagSeconds} />
          <div className="stats">
            <Stat
              label="Expired reservations"
              value={formatNumber(report.totals.expiries)}
              tone={report.totals.expiries ? 'low' : undefined}
            />
            <Stat label="Expired units" value={formatNumber(report.totals.expiredUnits)} />
            <Stat
              label="Rejected orders"
              value={formatNumber(report.totals.rejects)}
              tone={report.totals.rejects ? 'out' : undefined}
            />
            <Stat label="Rejected units" value={formatNumber(report.totals.rejectedUnits)} />
          </div>
          <UnitsBarChart
            title="Expiries and rejects per day"
            data={report.byDay}
            xKey="date"
            bars={[
              { key: 'expiries', label: 'Expiries', color: COLORS.orange },
              { key: 'rejects', label: 'Rejects', color: COLORS.red },
            ]}
            emptyText="No days in this period."
          />
          <h3>Per SKU</h3>
          {report.bySku.length === 0 ? (
            <p className="muted">No reservation expired and no order was rejected in this period.</p>
          ) : (
            <ReportTable
              caption="Expiries and rejects per SKU"
              columns={[
                { header: 'SKU', cell: (r) => skuLink(r.sku) },
                { header: 'Name', cell: (r) => r.name },
                { header: 'Expiries', numeric: true, cell: (r) => formatNumber(r.expiries) },
                { header: 'Expired units', numeric: true, cell: (r) => formatNumber(r.expiredUnits) },
                { header: 'Rejects', numeric: true, cell: (r) => formatNumber(r.rejects) },
                { header: 'Rejected units', numeric: true, cell: (r) => formatNumber(r.rejectedUnits) },
              ]}
              rows={report.bySku}
              rowKey={(r) => r.sku}
            />
          )}
        </>
      ) : null}
    </section>
  );
}
