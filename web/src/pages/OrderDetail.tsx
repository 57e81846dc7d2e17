import { Link, useParams } from 'react-router';
import { orders } from '../api/endpoints.ts';
import { SagaTimeline, StatusHistory } from '../components/Timeline.tsx';
import { LoadError, Loading, OrderBadge, PageHeader } from '../components/ui.tsx';
import { formatDateTime, formatNumber } from '../lib/format.ts';
import { POLL_MS, useResource, useTitle } from '../lib/hooks.ts';

const FINAL = ['FULFILLED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export default function OrderDetail() {
  const orderId = useParams().orderId ?? '';
  useTitle(`Order ${orderId}`);
  const order = useResource(() => orders.get(orderId), [orderId], { pollMs: POLL_MS });

  if (order.error && !order.data) return <LoadError error={order.error} retry={() => void order.reload()} />;
  if (!order.data) return <Loading label="Loading order…" />;
  const o = order.data;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/orders">Orders</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{o.orderId}</span>
      </nav>
      <PageHeader title={`Order ${o.orderId}`}>
        <OrderBadge status={o.status} />
      </PageHeader>
      <p className="muted">
        Placed {formatDateTime(o.placedAt)} · updated {formatDateTime(o.updatedAt)}
        {o.locationId ? ` · from ${o.locationId}` : ''}
        {o.releaseReason ? ` · stock released: ${o.releaseReason}` : ''}
        {FINAL.includes(o.status) ? '' : ' · updating live'}
      </p>

      <div className="detail-grid">
        <section className="card" aria-labelledby="lines-title">
          <h2 id="lines-title">Lines</h2>
          <table className="table">
            <caption className="sr-only">Order lines</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col" className="numeric">
                  Quantity
                </th>
                <th scope="col" className="numeric">
                  Short
                </th>
              </tr>
            </thead>
            <tbody>
              {o.lines.map((line) => {
                const short = o.shortfalls?.find((s) => s.sku === line.sku);
                return (
                  <tr key={line.sku}>
                    <td>
                      <Link to={`/products/${encodeURIComponent(line.sku)}`} className="mono">
                        {line.sku}
                      </Link>
                    </td>
                    <td className="numeric">{formatNumber(line.quantity)}</td>
                    <td className="numeric">
                      {short?.reason === 'unknown_sku' ? (
                        <span className="text-danger">unknown SKU</span>
                      ) : short ? (
                        <span className="text-danger">
                          {formatNumber(short.requested - short.available)} (available{' '}
                          {formatNumber(short.available)})
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>

        <StatusHistory entries={o.history} badge={(status) => <OrderBadge status={status} />} />
      </div>

      <SagaTimeline steps={o.timeline} />
    </>
  );
}
