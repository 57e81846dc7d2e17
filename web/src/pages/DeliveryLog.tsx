import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { deliveries } from '../api/endpoints.ts';
import {
  ALERT_TYPES,
  type AlertType,
  CHANNELS,
  type Channel,
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryQuery,
  type DeliveryStatus,
} from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import { SelectField } from '../components/forms.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { LoadError, Loading, Modal, PageHeader } from '../components/ui.tsx';
import { ALERT_TYPE_TITLE, CHANNEL_LABEL, DELIVERY_STATUS_TONE } from '../lib/alerts.ts';
import { formatDateTime, humanize } from '../lib/format.ts';
import { POLL_MS, useDebounced, usePagedList, useResource, useTitle } from '../lib/hooks.ts';

const PAGE_SIZE = 50;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | undefined =>
  values.includes(value as T) ? (value as T) : undefined;

/** /notifications/deliveries: every email, SMS and in-app delivery, with what each one sent. */
export default function DeliveryLog() {
  useTitle('Delivery log');
  const user = useUser();
  if (!can(user, 'notifications:log')) {
    return (
      <>
        <PageHeader title="Delivery log" />
        <p className="callout callout-warning" role="alert">
          You don't have permission to see the delivery log.
        </p>
      </>
    );
  }
  return <Log />;
}

function Log() {
  const [params, setParams] = useSearchParams();
  const [skuText, setSkuText] = useState(params.get('sku') ?? '');
  const sku = useDebounced(skuText.trim().toUpperCase(), 300) || undefined;
  const query: DeliveryQuery = {
    channel: oneOf(CHANNELS, params.get('channel')),
    type: oneOf(ALERT_TYPES, params.get('type')),
    status: oneOf(DELIVERY_STATUSES, params.get('status')),
    sku,
  };
  const filters = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
  const list = usePagedList(
    (cursor) => deliveries.list({ ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
    JSON.stringify(filters),
    (d: Delivery) => d.id,
    { pollMs: POLL_MS },
  );
  const [showing, setShowing] = useState<Delivery | null>(null);

  const setQuery = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <PageHeader title="Delivery log" />
      <p className="muted">
        Every alert sent to a person, one row per channel: held by quiet hours, waiting for the daily digest,
        sent, failed after its retries, or not sent (and why). Open a row to see what was sent.
      </p>
      <div className="filters">
        <SelectField<Channel | ''>
          label="Channel"
          empty="All channels"
          value={query.channel ?? ''}
          onChange={(v) => setQuery('channel', v || undefined)}
          options={CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABEL[c] }))}
        />
        <SelectField<AlertType | ''>
          label="Alert type"
          empty="All types"
          value={query.type ?? ''}
          onChange={(v) => setQuery('type', v || undefined)}
          options={ALERT_TYPES.map((t) => ({ value: t, label: ALERT_TYPE_TITLE[t] }))}
        />
        <div className="field field-search">
          <label htmlFor="delivery-sku">SKU</label>
          <input
            id="delivery-sku"
            value={skuText}
            autoCapitalize="characters"
            onChange={(e) => {
              setSkuText(e.target.value);
              setQuery('sku', e.target.value.trim().toUpperCase() || undefined);
            }}
          />
        </div>
        <SelectField<DeliveryStatus | ''>
          label="Status"
          empty="All statuses"
          value={query.status ?? ''}
          onChange={(v) => setQuery('status', v || undefined)}
          options={DELIVERY_STATUSES.map((s) => ({ value: s, label: humanize(s) }))}
        />
      </div>
      <PagedList list={list} loadingLabel="Loading deliveries…" moreLabel="Older deliveries">
        {(items) => <DeliveriesTable items={items} onOpen={setShowing} />}
      </PagedList>
      {showing ? <DeliveryContentDialog delivery={showing} onClose={() => setShowing(null)} /> : null}
    </>
  );
}

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return <span className={`badge badge-${DELIVERY_STATUS_TONE[status]}`}>{humanize(status)}</span>;
}

const whatOf = (d: Delivery) =>
  d.alertType ? ALERT_TYPE_TITLE[d.alertType] : d.alertIds ? `Daily digest (${d.alertIds.length})` : '—';

function DeliveriesTable({ items, onOpen }: { items: Delivery[]; onOpen(d: Delivery): void }) {
  if (items.length === 0) return <p className="empty">No deliveries.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-cards-on-phone">
        <caption className="sr-only">Deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Type</th>
            <th scope="col">SKU</th>
            <th scope="col">Recipient</th>
            <th scope="col">Channel</th>
            <th scope="col">Status</th>
            <th scope="col" className="numeric">
              Attempts
            </th>
            <th scope="col">
              <span className="sr-only">Content</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} className="row-clickable" onClick={() => onOpen(d)}>
              <td data-label="Time">{formatDateTime(d.createdAt)}</td>
              <td data-label="Type">{whatOf(d)}</td>
              <td data-label="SKU" className="mono">
                {d.sku ?? '—'}
              </td>
              <td data-label="Recipient">{d.recipient}</td>
              <td data-label="Channel">{CHANNEL_LABEL[d.channel]}</td>
              <td data-label="Status">
                <span>
                  <DeliveryStatusBadge status={d.status} />
                  {d.reason ? <span className="cell-note"> {d.reason}</span> : null}
                  {d.releaseAt && (d.status === 'held' || d.status === 'digest') ? (
                    <span className="cell-note"> goes out {formatDateTime(d.releaseAt)}</span>
                  ) : null}
                </span>
              </td>
              <td data-label="Attempts" className="numeric">
                {d.attempts.length}
              </td>
              <td data-label="" className="row-actions">
                <button
                  type="button"
                  className="button button-secondary"
                  aria-label={`Content sent to ${d.recipient} by ${CHANNEL_LABEL[d.channel]}, ${formatDateTime(d.createdAt)}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    onOpen(d);
                  }}
                >
                  Content
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeliveryContentDialog({ delivery, onClose }: { delivery: Delivery; onClose(): void }) {
  const content = useResource(() => deliveries.content(delivery.id), [delivery.id]);
  const c = content.data;
  const failures = delivery.attempts.filter((a) => a.outcome === 'error');
  return (
    <Modal title={`${CHANNEL_LABEL[delivery.channel]} to ${delivery.recipient}`} onClose={onClose}>
      <div className="delivery-content">
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <DeliveryStatusBadge status={delivery.status} />
              {delivery.reason ? ` ${delivery.reason}` : ''}
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatDateTime(delivery.createdAt)}</dd>
          </div>
          {delivery.sentAt ? (
            <div>
              <dt>Sent</dt>
              <dd>{formatDateTime(delivery.sentAt)}</dd>
            </div>
          ) : null}
          <div>
            <dt>Attempts</dt>
            <dd>{delivery.attempts.length}</dd>
          </div>
        </dl>
        {failures.length ? (
          <ul className="plain-list">
            {failures.map((a) => (
              <li key={a.at}>
                {formatDateTime(a.at)}: {a.error ?? 'error'}
              </li>
            ))}
          </ul>
        ) : null}
        {content.error && !c ? <LoadError error={content.error} retry={() => void content.reload()} /> : null}
        {content.loading && !c ? <Loading label="Loading what was sent…" /> : null}
        {c ? (
          <>
            {c.subject ? (
              <p>
                <strong>Subject:</strong> {c.subject}
              </p>
            ) : null}
            {c.html ? (
              <>
                <h3>Email</h3>
                <iframe
                  sandbox=""
                  srcDoc={c.html}
                  title={`Email as sent: ${c.subject ?? delivery.recipient}`}
                />
              </>
            ) : null}
            <h3>Text</h3>
            <pre>{c.text}</pre>
          </>
        ) : null}
      </div>
    </Modal>
  );
}
