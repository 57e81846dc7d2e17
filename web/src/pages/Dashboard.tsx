import { Link } from 'react-router';
import { useUser } from '../auth/AuthContext.tsx';
import { BarChart, SplitBar, TREND_SERIES } from '../components/Charts.tsx';
import { LoadError, Loading, PageHeader, Stat } from '../components/ui.tsx';
import { formatMoney, formatNumber } from '../lib/format.ts';
import { POLL_MS, useResource, useTitle } from '../lib/hooks.ts';
import { dashboardSummary, TREND_UNAVAILABLE } from '../lib/summary.ts';
import { OrdersTable } from './Orders.tsx';

export default function Dashboard() {
  useTitle('Dashboard');
  const user = useUser();
  const summary = useResource(() => dashboardSummary(), [], { pollMs: POLL_MS });

  return (
    <>
      <PageHeader title="Dashboard">
        <span className="muted">Signed in as {user.name || user.email}</span>
      </PageHeader>
      {summary.error && !summary.data ? (
        <LoadError error={summary.error} retry={() => void summary.reload()} />
      ) : null}
      {summary.loading && !summary.data ? <Loading label="Loading figures…" /> : null}
      {summary.data ? (
        <>
          <section aria-label="Key figures" className="stats stats-wide">
            <Stat label="Products (SKUs)" value={formatNumber(summary.data.totalSkus)} />
            <Stat label="Units on hand" value={formatNumber(summary.data.totalUnitsOnHand)} />
            <Stat label="Inventory value" value={formatMoney(summary.data.inventoryValue)} />
            <Stat
              label="Low stock"
              value={formatNumber(summary.data.lowStockCount)}
              tone={summary.data.lowStockCount ? 'low' : undefined}
            >
              <Link to="/inventory?stock=low">See low-stock products</Link>
            </Stat>
            <Stat
              label="Out of stock"
              value={formatNumber(summary.data.outOfStockCount)}
              tone={summary.data.outOfStockCount ? 'out' : undefined}
            >
              <Link to="/inventory?stock=out">See out-of-stock products</Link>
            </Stat>
          </section>
          {summary.data.outOfStockCount > 0 ? (
            <p className="callout callout-highlight" role="status">
              <span>
                {`${formatNumber(summary.data.outOfStockCount)} ${summary.data.outOfStockCount === 1 ? 'product is' : 'products are'} out of stock.`}
              </span>
              <Link to="/inventory?stock=out">Review them</Link>
            </p>
          ) : null}
          <div className="detail-grid">
            <section className="card" aria-labelledby="trend-title">
              <h2 id="trend-title">Stock movements, last 30 days</h2>
              <BarChart
                title="Units in and out per day"
                data={summary.data.movementTrend}
                series={TREND_SERIES}
                emptyText={summary.data.trendUnavailable ? TREND_UNAVAILABLE : undefined}
              />
            </section>
            <section className="card" aria-labelledby="split-title">
              <h2 id="split-title">Reserved vs available</h2>
              <SplitBar
                parts={[
                  { label: 'Reserved', value: summary.data.totalReserved, className: 'fill-orange' },
                  { label: 'Available', value: summary.data.totalAvailable, className: 'fill-green' },
                ]}
              />
            </section>
          </div>
          <section className="card" aria-labelledby="recent-title">
            <div className="card-header">
              <h2 id="recent-title">Recent orders</h2>
              <Link to="/orders">All orders</Link>
            </div>
            <OrdersTable items={summary.data.recentOrders} caption="The 10 most recent orders" />
          </section>
        </>
      ) : null}
    </>
  );
}
