import { Link, useSearchParams } from 'react-router';
import { orders } from '../api/endpoints.ts';
import { ORDER_STATUSES, type OrderStatus, type OrderSummary } from '../api/types.ts';
import { PagedList } from '../components/PagedList.tsx';
import { OrderBadge, PageHeader } from '../components/ui.tsx';
import { formatDateTime, formatNumber, humanize } from '../lib/format.ts';
import { POLL_MS, usePagedList, useTitle } from '../lib/hooks.ts';

export default function Orders() {
  useTitle('Orders');
  const [params, setParams] = useSearchParams();
  const status = ORDER_STATUSES.includes(params.get('status') as OrderStatus)
    ? (params.get('status') as OrderStatus)
    : undefined;
  const list = usePagedList(
    (cursor) => orders.list(status, cursor),
    status ?? '',
    (o) => o.orderId,
    { pollMs: POLL_MS },
  );

  return (
    <>
      <PageHeader title="Orders" />
      <div className="filters">
        <div className="field">
          <label htmlFor="order-status">Status</label>
          <select
            id="order-status"
            value={status ?? ''}
            onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })}
          >
            <option value="">All statuses</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanize(s.toLowerCase())}
              </option>
            ))}
          </select>
        </div>
      </div>
      <PagedList list={list} loadingLabel="Loading orders…" moreLabel="More orders">
        {(items) => <OrdersTable items={items} />}
      </PagedList>
    </>
  );
}

export function OrdersTable({
  items,
  caption = 'Orders, newest first',
}: {
  items: OrderSummary[];
  caption?: string;
}) {
  if (items.length === 0) return <p className="empty">No orders.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-cards-on-phone">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Status</th>
            <th scope="col" className="numeric">
              Lines
            </th>
            <th scope="col" className="numeric">
              Units
            </th>
            <th scope="col">Placed</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o) => (
            <tr key={o.orderId}>
              <td data-label="Order">
                <Link to={`/orders/${encodeURIComponent(o.orderId)}`} className="mono">
                  {o.orderId}
                </Link>
              </td>
              <td data-label="Status">
                <OrderBadge status={o.status} />
              </td>
              <td data-label="Lines" className="numeric">
                {formatNumber(o.lines.length)}
              </td>
              <td data-label="Units" className="numeric">
                {formatNumber(o.lines.reduce((sum, l) => sum + l.quantity, 0))}
              </td>
              <td data-label="Placed">{formatDateTime(o.placedAt)}</td>
              <td data-label="Updated">{formatDateTime(o.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
