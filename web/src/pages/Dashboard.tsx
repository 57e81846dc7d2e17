import { lazy, Suspense } from 'react';
import { Link } from 'react-router';
import type { TrendPoint } from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { SplitBar } from '../components/Charts.tsx';
import { Freshness } from '../components/Freshness.tsx';
import { LoadError, Loading, PageHeader, Stat } from '../components/ui.tsx';
import { formatMoney, formatNumber } from '../lib/format.ts';
import { POLL_MS, useResource, useTitle } from '../lib/hooks.ts';
import { dashboardSummary, reportingAvailable, TREND_UNAVAILABLE } from '../lib/summary.ts';
import { OrdersTable } from './Orders.tsx';

// The chart library loads after the figures: they show first.
const charts = () => import('../components/ReportCharts.tsx');
const UnitsBarChart = lazy(() => charts().then((m) => ({ default: m.UnitsBarChart<TrendPoint> })));
const ValueLineChart = lazy(() => charts().then((m) => ({ default: m.ValueLineChart })));

/** The report's summary is one cheap query: polled every 10 s while the tab is visible. */
export const SUMMARY_POLL_MS = 10_000;

export const TREND_SERIES = [
  { key: 'inbound', label: 'Inbound', color: 'var(--azura-blue)' },
  { key: 'outbound', label: 'Outbound', color: 'var(--orange)' },
];

export default function Dashboard() {
  useTitle('Dashboard');
  const user = useUser();
  // The report is one cheap query (every 10 s); without it the figures come from every product,
  // refreshed as before (every 5 s).
  const summary = useResource(() => dashboardSummary(), [], {
    pollMs: reportingAvailable() ? SUMMARY_POLL_MS : POLL_MS,
  });
  const data = summary.data;

  return (
    <>
      <PageHeader title="Dashboard">
        <span className="muted">Signed in as {user.name || user.email}</span>
      </PageHeader>
      {summary.error && !data ? (
        <LoadError error={summary.error} retry={() => void summary.reload()} />
      ) : null}
      {summary.loading && !data ? <Loading label="Loading figures…" /> : null}
      {data ? (
        <>
          {data.trendUnavailable ? null : <Freshness dataAsOf={data.dataAsOf} lagSeconds={data.lagSeconds} />}
          <section aria-label="Key figures" className="stats stats-wide">
            <Stat label="Products (SKUs)" value={formatNumber(data.totalSkus)} />
            <Stat label="Units on hand" value={formatNumber(data.totalUnitsOnHand)} />
            <Stat label="Inventory value" value={formatMoney(data.inventoryValue)} />
            <Stat label="Retail value" value={formatMoney(data.retailValue)} />
            <Stat
              label="Low stock"
              value={formatNumber(data.lowStockCount)}
              tone={data.lowStockCount ? 'low' : undefined}
            >
              <Link to="/inventory?stock=low">See low-stock products</Link>
            </Stat>
            <Stat
              label="Out of stock"
              value={formatNumber(data.outOfStockCount)}
              tone={data.outOfStockCount ? 'out' : undefined}
            >
              <Link to="/inventory?stock=out">See out-of-stock products</Link>
            </Stat>
            <Stat
              label="Products without cost"
              value={formatNumber(data.productsWithoutCost)}
              tone={data.productsWithoutCost ? 'low' : undefined}
            >
              {data.productsWithoutCost ? <Link to="/reports#valuation-title">Which ones</Link> : null}
            </Stat>
          </section>
          {data.outOfStockCount > 0 ? (
            <p className="callout callout-highlight" role="status">
              <span>
                {`${formatNumber(data.outOfStockCount)} ${data.outOfStockCount === 1 ? 'product is' : 'products are'} out of stock.`}
              </span>
              <Link to="/inventory?stock=out">Review them</Link>
            </p>
          ) : null}
          <div className="detail-grid">
            <section className="card" aria-labelledby="trend-title">
              <h2 id="trend-title">Stock movements, last 30 days</h2>
              <Suspense fallback={<Loading label="Loading chart…" />}>
                <UnitsBarChart
                  title="Units in and out per day"
                  data={data.movementTrend}
                  xKey="date"
                  bars={TREND_SERIES}
                  emptyText={data.trendUnavailable ? TREND_UNAVAILABLE : 'No movements in the last 30 days.'}
                />
              </Suspense>
            </section>
            <section className="card" aria-labelledby="value-title">
              <h2 id="value-title">Inventory value, last 30 days</h2>
              <Suspense fallback={<Loading label="Loading chart…" />}>
                <ValueLineChart
                  title="Inventory value at cost, end of each day"
                  data={data.valueTrend}
                  currency={data.inventoryValue.currency}
                  emptyText={data.trendUnavailable ? TREND_UNAVAILABLE : 'No value history yet.'}
                />
              </Suspense>
            </section>
            <section className="card" aria-labelledby="split-title">
              <h2 id="split-title">Reserved vs available</h2>
              <SplitBar
                parts={[
                  { label: 'Reserved', value: data.totalReserved, className: 'fill-orange' },
                  { label: 'Available', value: data.totalAvailable, className: 'fill-green' },
                ]}
              />
            </section>
          </div>
          <section className="card" aria-labelledby="recent-title">
            <div className="card-header">
              <h2 id="recent-title">Recent orders</h2>
              <Link to="/orders">All orders</Link>
            </div>
            <OrdersTable items={data.recentOrders} caption="The 10 most recent orders" />
          </section>
        </>
      ) : null}
    </>
  );
}
