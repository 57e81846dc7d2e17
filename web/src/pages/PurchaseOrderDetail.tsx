import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client.ts';
import { purchaseOrders, stock, suppliers } from '../api/endpoints.ts';
import { fieldErrorsOf } from '../api/fields.ts';
import { useActionKey } from '../api/idempotency.ts';
import {
  FINAL_PO_STATUSES,
  INBOUND_PO_STATUSES,
  type PurchaseOrder,
  type PurchaseOrderReceiptInput,
} from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import { FormActions, FormFailure, optionsOf, SelectField, WholeNumberField } from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { SagaTimeline, StatusHistory } from '../components/Timeline.tsx';
import { messageOf, useToast } from '../components/Toasts.tsx';
import { Field, LoadError, Loading, Modal, PageHeader } from '../components/ui.tsx';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../lib/format.ts';
import { POLL_MS, useResource, useTitle } from '../lib/hooks.ts';
import { PO_STATUS_LABEL, PurchaseOrderBadge, poPath, supplierPath } from './PurchaseOrders.tsx';

type Decision = 'approve' | 'reject' | 'cancel';

const ORIGIN_LABEL = {
  rule: 'raised by a reorder rule',
  manual: 'created by hand',
  fallback: 'sent to the fallback supplier',
} as const;

/** May this PO still be approved or rejected? (It may be approved before its saga parks the wait.) */
export const awaitsApproval = (po: PurchaseOrder) =>
  (po.status === 'AWAITING_APPROVAL' || po.status === 'DRAFT') && po.needsApproval && !po.approvedBy;

export default function PurchaseOrderDetail() {
  const id = useParams().id ?? '';
  useTitle(`Purchase order ${id}`);
  const user = useUser();
  const po = useResource(() => purchaseOrders.get(id), [id], { pollMs: POLL_MS });
  const supplier = useResource(() => suppliers.get(po.data?.supplierId ?? ''), [po.data?.supplierId], {
    enabled: Boolean(po.data?.supplierId),
  });
  const [decision, setDecision] = useState<Decision | null>(null);
  const [receiving, setReceiving] = useState(false);

  if (po.error && !po.data) return <LoadError error={po.error} retry={() => void po.reload()} />;
  if (!po.data) return <Loading label="Loading purchase order…" />;
  const o = po.data;
  const final = FINAL_PO_STATUSES.includes(o.status);
  const mayDecide = can(user, 'purchasing:approve') && awaitsApproval(o);
  const mayCancel = can(user, 'purchasing:manage') && !final;
  const mayReceive = can(user, 'purchasing:receive') && INBOUND_PO_STATUSES.includes(o.status);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/purchasing/orders">Purchase orders</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{o.id}</span>
      </nav>
      <PageHeader title={`Purchase order ${o.id}`}>
        <PurchaseOrderBadge status={o.status} />
        {mayReceive ? (
          <button type="button" className="button button-primary" onClick={() => setReceiving(true)}>
            Receive
          </button>
        ) : null}
        {mayDecide ? (
          <>
            <button type="button" className="button button-primary" onClick={() => setDecision('approve')}>
              <Icon name="check" /> Approve
            </button>
            <button type="button" className="button button-danger" onClick={() => setDecision('reject')}>
              Reject
            </button>
          </>
        ) : null}
        {mayCancel ? (
          <button type="button" className="button button-secondary" onClick={() => setDecision('cancel')}>
            Cancel order
          </button>
        ) : null}
      </PageHeader>
      <p className="muted">
        <Link to={supplierPath(o.supplierId)}>{supplier.data?.name ?? o.supplierId}</Link> · deliver to{' '}
        {o.locationId} · {ORIGIN_LABEL[o.origin]} · created {formatDateTime(o.createdAt)} · expected by{' '}
        {formatDate(o.expectedBy)}
        {o.sentAt ? ` · sent ${formatDateTime(o.sentAt)}` : ''}
        {o.supplierReference ? ` · supplier reference ${o.supplierReference}` : ''}
        {final ? '' : ' · updating live'}
      </p>

      {awaitsApproval(o) ? (
        <p className="callout callout-warning">
          <Icon name="alert" /> Its total reaches the approval threshold: it is sent to the supplier once a
          manager approves it.
        </p>
      ) : null}
      {o.approvedBy ? <p className="muted">Approved by {o.approvedBy}.</p> : null}
      {o.reason ? (
        <p className={`callout ${o.status === 'CANCELLED' ? 'callout-highlight' : 'callout-error'}`}>
          <strong>{PO_STATUS_LABEL[o.status]}:</strong> {o.reason}
        </p>
      ) : null}
      {o.replaces || o.replacedBy ? (
        <p className="callout callout-highlight">
          {o.replaces ? (
            <span>
              Replaces <Link to={poPath(o.replaces)}>{o.replaces}</Link>, which the preferred supplier
              rejected or could not receive.
            </span>
          ) : null}
          {o.replacedBy ? (
            <span>
              Replaced by <Link to={poPath(o.replacedBy)}>{o.replacedBy}</Link> at the fallback supplier.
            </span>
          ) : null}
        </p>
      ) : null}

      <section className="card" aria-labelledby="po-lines-title">
        <h2 id="po-lines-title">Lines</h2>
        <div className="table-wrap">
          <table className="table table-cards-on-phone">
            <caption className="sr-only">Purchase order lines</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">Supplier SKU</th>
                <th scope="col" className="numeric">
                  Ordered
                </th>
                <th scope="col" className="numeric">
                  Received
                </th>
                <th scope="col" className="numeric">
                  Open
                </th>
                <th scope="col" className="numeric">
                  Unit cost
                </th>
                <th scope="col" className="numeric">
                  Line total
                </th>
              </tr>
            </thead>
            <tbody>
              {o.lines.map((l) => (
                <tr key={l.sku}>
                  <th scope="row">
                    <Link to={`/products/${encodeURIComponent(l.sku)}`} className="mono">
                      {l.sku}
                    </Link>
                  </th>
                  <td data-label="Supplier SKU" className="mono">
                    {l.supplierSku}
                  </td>
                  <td data-label="Ordered" className="numeric">
                    {formatNumber(l.quantity)}
                  </td>
                  <td data-label="Received" className="numeric">
                    {formatNumber(l.received)}
                  </td>
                  <td data-label="Open" className="numeric">
                    {formatNumber(Math.max(0, l.quantity - l.received))}
                  </td>
                  <td data-label="Unit cost" className="numeric">
                    {formatMoney(l.unitCost)}
                  </td>
                  <td data-label="Line total" className="numeric">
                    {formatMoney({ amount: l.unitCost.amount * l.quantity, currency: l.unitCost.currency })}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={6}>
                  Total
                </th>
                <td data-label="Total" className="numeric">
                  <strong>{formatMoney(o.total)}</strong>
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      </section>

      <div className="detail-grid">
        <section className="card" aria-labelledby="po-receipts-title">
          <h2 id="po-receipts-title">Receipts</h2>
          {o.receipts.length === 0 ? (
            <p className="muted">Nothing received yet.</p>
          ) : (
            <ol className="history">
              {o.receipts.map((r) => (
                <li key={r.receiptId}>
                  <time dateTime={r.at}>{formatDateTime(r.at)}</time> · {r.by} · at {r.locationId}:{' '}
                  {r.lines.map((l) => `${l.sku} × ${formatNumber(l.quantity)}`).join(', ')}{' '}
                  {r.applied ? (
                    <span className="badge badge-success">In stock</span>
                  ) : (
                    <span className="badge badge-info" title="The stock ledger books it in a moment">
                      Booking…
                    </span>
                  )}
                </li>
              ))}
            </ol>
          )}
        </section>

        <StatusHistory
          entries={o.history}
          badge={(status) => <PurchaseOrderBadge status={status} />}
          detail={(h) => (
            <>
              {` · ${byWhom(h.by)}`}
              {h.note ? <div className="muted">{h.note}</div> : null}
            </>
          )}
        />
      </div>

      <SagaTimeline steps={o.timeline} />

      {decision ? (
        <DecisionDialog
          po={o}
          decision={decision}
          onClose={() => setDecision(null)}
          onDone={() => void po.reload()}
        />
      ) : null}
      {receiving ? (
        <ReceiveDialog po={o} onClose={() => setReceiving(false)} onDone={() => void po.reload()} />
      ) : null}
    </>
  );
}

function byWhom(by: string): string {
  if (by === 'system') return 'automatic';
  if (by.startsWith('supplier:')) return `supplier ${by.slice('supplier:'.length)}`;
  return by;
}

const DECISIONS: Record<Decision, { title: string; button: string; done: string; text: string }> = {
  approve: {
    title: 'Approve',
    button: 'Approve',
    done: 'approved: it goes to the supplier now',
    text: 'The purchase order is sent to the supplier at once.',
  },
  reject: {
    title: 'Reject',
    button: 'Reject',
    done: 'rejected',
    text: 'The purchase order is not sent. A reorder rule may raise a new one when stock is still low.',
  },
  cancel: {
    title: 'Cancel',
    button: 'Cancel the order',
    done: 'cancelled',
    text: 'The supplier is no longer expected to deliver; what is still on order stops counting as incoming.',
  },
};

function DecisionDialog({
  po,
  decision,
  onClose,
  onDone,
}: {
  po: PurchaseOrder;
  decision: Decision;
  onClose(): void;
  onDone(): void;
}) {
  const toast = useToast();
  const action = useActionKey();
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const d = DECISIONS[decision];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setBusy(true);
    const idempotencyKey = action.keyFor({ decision, note: note.trim() });
    try {
      await purchaseOrders[decision](po.id, note, { idempotencyKey });
      toast.success(`${po.id} ${d.done}`);
      onDone();
      onClose();
    } catch (e) {
      const message =
        e instanceof ApiError && e.status === 409
          ? `Not possible any more: ${e.problem.detail ?? 'the purchase order changed meanwhile'}`
          : messageOf(e);
      setFailure(message);
      toast.error(message);
      onDone();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`${d.title} ${po.id}?`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <FormFailure message={failure} />
        <p>
          {d.text} Total {formatMoney(po.total)}.
        </p>
        <Field label="Note (optional)">
          {(props) => (
            <textarea
              {...props}
              maxLength={500}
              rows={3}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          )}
        </Field>
        <FormActions
          submitLabel={d.button}
          busy={busy}
          onCancel={onClose}
          cancelLabel="Back"
          tone={decision === 'approve' ? 'primary' : 'danger'}
        />
      </form>
    </Modal>
  );
}

type CloseChoice = 'policy' | 'keep' | 'close';
const CLOSE_CHOICES: { value: CloseChoice; label: string }[] = [
  { value: 'policy', label: "The supplier's backorder policy" },
  { value: 'keep', label: 'Keep the rest on order' },
  { value: 'close', label: 'Close the order short' },
];

/** Lines that this delivery would take over what was ordered. */
export function overReceived(po: PurchaseOrder, lines: { sku: string; quantity: number }[]) {
  return lines.flatMap((l) => {
    const line = po.lines.find((x) => x.sku === l.sku);
    return line && line.received + l.quantity > line.quantity
      ? [{ sku: l.sku, ordered: line.quantity, received: line.received, quantity: l.quantity }]
      : [];
  });
}

const describeOver = (o: ReturnType<typeof overReceived>[number]) =>
  `${o.sku}: ${formatNumber(o.received + o.quantity)} of ${formatNumber(o.ordered)} ordered (${formatNumber(
    o.received + o.quantity - o.ordered,
  )} over)`;

/** A 422 refusing the receipt as more than ordered (the lines named), not some other refusal. */
function isOverReceipt(error: unknown, overLocally: boolean): boolean {
  if (!(error instanceof ApiError) || error.status !== 422) return false;
  if (overLocally) return true;
  const text = `${error.problem.title} ${error.problem.detail ?? ''}`;
  return /over|more than|exceed/i.test(text) && !/sku/i.test(Object.keys(error.fieldErrors()).join(' '));
}

/**
 * A delivery against the PO: a quantity per line (the open quantity to start with). One
 * Idempotency-Key per submission: a double click or a retry books it once.
 */
function ReceiveDialog({ po, onClose, onDone }: { po: PurchaseOrder; onClose(): void; onDone(): void }) {
  const toast = useToast();
  const action = useActionKey();
  const locations = useResource(() => stock.locations(), []);
  const [quantities, setQuantities] = useState<Record<string, string>>(() =>
    Object.fromEntries(po.lines.map((l) => [l.sku, String(Math.max(0, l.quantity - l.received))])),
  );
  const [locationId, setLocationId] = useState(po.locationId);
  const [closeChoice, setCloseChoice] = useState<CloseChoice>('policy');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  /** Set when the server refused the delivery as more than ordered: what to confirm. */
  const [overRefused, setOverRefused] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  const entered = po.lines
    .map((l) => ({ sku: l.sku, raw: (quantities[l.sku] ?? '').trim() }))
    .filter((l) => l.raw !== '' && l.raw !== '0');
  const over = overReceived(
    po,
    entered.map((l) => ({ sku: l.sku, quantity: Number(l.raw) })),
  );

  const submit = async (confirmOverReceipt: boolean) => {
    setFailure(null);
    const local: Record<string, string> = {};
    po.lines.forEach((l, i) => {
      const raw = (quantities[l.sku] ?? '').trim();
      const n = Number(raw);
      if (raw !== '' && (!Number.isInteger(n) || n < 0))
        local[`lines.${i}.quantity`] = 'Enter a whole number';
    });
    if (!Object.keys(local).length && entered.length === 0)
      setFailure('Enter the quantity received of at least one line.');
    setErrors(local);
    if (Object.keys(local).length || entered.length === 0) return;

    const body: PurchaseOrderReceiptInput = {
      lines: entered.map((l) => ({ sku: l.sku, quantity: Number(l.raw) })),
      ...(locationId !== po.locationId ? { locationId } : {}),
      confirmOverReceipt,
      ...(closeChoice === 'policy' ? {} : { closeShort: closeChoice === 'close' }),
    };
    setBusy(true);
    try {
      await purchaseOrders.receive(po.id, body, { idempotencyKey: action.keyFor(body) });
      toast.success(
        `${po.id}: received ${body.lines.map((l) => `${formatNumber(l.quantity)} × ${l.sku}`).join(', ')}`,
      );
      onDone();
      onClose();
    } catch (e) {
      if (!confirmOverReceipt && isOverReceipt(e, over.length > 0)) {
        setOverRefused(over.length ? over.map(describeOver) : Object.values(fieldErrorsOf(e)));
        setFailure(`Not booked: more than was ordered. ${(e as ApiError).problem.detail ?? ''}`.trim());
      } else {
        // Server field names are the body's (lines.0.quantity): map them to this form's rows.
        const fields = fieldErrorsOf(e);
        const mapped: Record<string, string> = {};
        for (const [field, message] of Object.entries(fields)) {
          const m = /^lines\.(\d+)\.(\w+)$/.exec(field);
          const sku = m ? body.lines[Number(m[1])]?.sku : undefined;
          const row = sku ? po.lines.findIndex((l) => l.sku === sku) : -1;
          mapped[row >= 0 ? `lines.${row}.quantity` : field] = message;
        }
        setErrors(mapped);
        setFailure(
          e instanceof ApiError && e.status === 409
            ? `Not booked: ${e.problem.detail ?? 'the purchase order changed meanwhile'}`
            : `Not booked: ${messageOf(e)}`,
        );
      }
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) void submit(false);
  };

  return (
    <Modal title={`Receive ${po.id}`} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate className="stack">
        <FormFailure message={failure} />
        {overRefused ? (
          <div className="callout callout-warning">
            <span>
              {overRefused.join('; ')}. Receive anyway if the supplier delivered more and you keep it.
            </span>
            <button
              type="button"
              className="button button-secondary"
              disabled={busy}
              onClick={() => void submit(true)}
            >
              Receive anyway
            </button>
          </div>
        ) : null}
        <div className="table-wrap">
          <table className="table receive-table">
            <caption className="sr-only">Quantities received per line</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col" className="numeric">
                  Open
                </th>
                <th scope="col">Received now</th>
              </tr>
            </thead>
            <tbody>
              {po.lines.map((l, i) => (
                <tr key={l.sku}>
                  <th scope="row" className="mono">
                    {l.sku}
                  </th>
                  <td className="numeric">{formatNumber(Math.max(0, l.quantity - l.received))}</td>
                  <td>
                    <WholeNumberField
                      label={`Received now of ${l.sku}`}
                      error={errors[`lines.${i}.quantity`]}
                      value={quantities[l.sku] ?? ''}
                      onChange={(v) => {
                        setQuantities((q) => ({ ...q, [l.sku]: v }));
                        setOverRefused(null);
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {over.length && !overRefused ? (
          <p className="field-hint">
            {over.map((o) => o.sku).join(', ')}: more than is still open. You will be asked to confirm.
          </p>
        ) : null}
        <SelectField
          label="Location"
          value={locationId}
          onChange={setLocationId}
          options={optionsOf(locations.data?.items, po.locationId)}
        />
        <SelectField<CloseChoice>
          label="If this delivery is short"
          hint="What happens to what did not come"
          value={closeChoice}
          onChange={setCloseChoice}
          options={CLOSE_CHOICES}
        />
        <FormActions
          submitLabel="Book receipt"
          busy={busy}
          busyLabel="Booking…"
          onCancel={onClose}
          cancelLabel="Back"
        />
      </form>
    </Modal>
  );
}
