import { useState } from 'react';
import { products } from '../api/endpoints.ts';
import type { Product } from '../api/types.ts';
import { BarChart, SplitBar, TREND_SERIES } from '../components/Charts.tsx';
import { Icon } from '../components/Icon.tsx';
import { useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, PageHeader, Stat } from '../components/ui.tsx';
import { formatMoney, formatNumber, STOCK_STATUS_LABEL, stockStatus, toMajor } from '../lib/format.ts';
import { POLL_MS, useResource, useTitle } from '../lib/hooks.ts';
import { dashboardSummary, TREND_UNAVAILABLE } from '../lib/summary.ts';

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

export default function Reports() {
  useTitle('Reports');
  const toast = useToast();
  const summary = useResource(() => dashboardSummary(), [], { pollMs: POLL_MS });
  const [exporting, setExporting] = useState(false);

  const download = async () => {
    setExporting(true);
    try {
      const { items, truncated } = await products.listAll({ status: 'active' }, 10_000);
      const url = URL.createObjectURL(new Blob([inventoryCsv(items)], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `inventory-${new Date().toISOString().slice(0, 10)}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      toast.success(
        `Exported ${formatNumber(items.length)} products${truncated ? ' (the first 10,000)' : ''}`,
      );
    } catch (e) {
      toast.error(e);
    } finally {
      setExporting(false);
    }
  };

  const s = summary.data;
  return (
    <>
      <PageHeader title="Reports">
        <button
          type="button"
          className="button button-primary"
          onClick={() => void download()}
          disabled={exporting}
        >
          <Icon name="download" /> {exporting ? 'Exporting…' : 'Download inventory CSV'}
        </button>
      </PageHeader>
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
            <BarChart
              title="Units in and out per day"
              data={s.movementTrend}
              series={TREND_SERIES}
              emptyText={s.trendUnavailable ? TREND_UNAVAILABLE : undefined}
            />
            {s.trendUnavailable ? null : (
              <p className="muted">
                In: {formatNumber(s.movementTrend.reduce((n, d) => n + d.inbound, 0))} units · Out:{' '}
                {formatNumber(s.movementTrend.reduce((n, d) => n + d.outbound, 0))} units
              </p>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
