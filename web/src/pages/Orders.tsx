import { Link, useSearchParams } from 'react-router';
import { orders } from '../api/endpoints.ts';
import { ORDER_STATUSES, type OrderStatus, type OrderSummary } from '../api/types.ts';
import { useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, OrderBadge, PageHeader } from '../components/ui.tsx';
import { formatDateTime, formatNumber, humanize } from '../lib/format.ts';
import { POLL_MS, usePagedList, useTitle } from '../lib/hooks.ts';

export default function Orders() {
  useTitle('Orders');
  const toast = useToast();
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
  const { first, items, nextCursor } = list;
  const loadMore = () => list.loadMore().catch((e) => toast.error(e));

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
      {first.error && !first.data ? (
        <LoadError error={first.error} retry={() => void first.reload()} />
      ) : null}
      {first.loading && !first.data ? <Loading label="Loading orders…" /> : null}
      {first.data ? <OrdersTable items={items} /> : null}
      {nextCursor ? (
        <button type="button" className="button button-secondary" onClick={() => void loadMore()}>
          More orders
        </button>
      ) : null}
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
