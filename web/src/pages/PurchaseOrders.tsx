import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api/client.ts';
import { purchaseOrders, stock, suppliers } from '../api/endpoints.ts';
import { useActionKey } from '../api/idempotency.ts';
import {
  PURCHASE_ORDER_STATUSES,
  type PurchaseOrder,
  type PurchaseOrderInput,
  type PurchaseOrderStatus,
  type Supplier,
} from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import {
  FormActions,
  FormFailure,
  InputField,
  optionsOf,
  SelectField,
  useFormState,
  WholeNumberField,
} from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { PurchasingNav } from '../components/Layout.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { messageOf, useToast } from '../components/Toasts.tsx';
import { IconButton, Modal, PageHeader } from '../components/ui.tsx';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../lib/format.ts';
import { POLL_MS, usePagedList, useResource, useTitle } from '../lib/hooks.ts';

export const PO_STATUS_LABEL: Record<PurchaseOrderStatus, string> = {
  DRAFT: 'Draft',
  AWAITING_APPROVAL: 'Awaiting approval',
  SENT: 'Sent',
  ACKNOWLEDGED: 'Acknowledged',
  PARTIALLY_RECEIVED: 'Partially received',
  RECEIVED: 'Received',
  REJECTED: 'Rejected',
  CANCELLED: 'Cancelled',
  FAILED: 'Failed',
};

const PO_TONE: Record<PurchaseOrderStatus, string> = {
  DRAFT: 'muted',
  AWAITING_APPROVAL: 'warning',
  SENT: 'info',
  ACKNOWLEDGED: 'info',
  PARTIALLY_RECEIVED: 'warning',
  RECEIVED: 'success',
  REJECTED: 'danger',
  CANCELLED: 'muted',
  FAILED: 'danger',
};

export function PurchaseOrderBadge({ status }: { status: PurchaseOrderStatus }) {
  return (
    <span className={`badge badge-${PO_TONE[status] ?? 'muted'}`}>{PO_STATUS_LABEL[status] ?? status}</span>
  );
}

export const poPath = (id: string) => `/purchasing/orders/${encodeURIComponent(id)}`;
export const supplierPath = (id: string) => `/purchasing/suppliers/${encodeURIComponent(id)}`;

const isStatus = (s: string | null): s is PurchaseOrderStatus =>
  PURCHASE_ORDER_STATUSES.includes(s as PurchaseOrderStatus);

export default function PurchaseOrders() {
  useTitle('Purchase orders');
  const user = useUser();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = isStatus(params.get('status')) ? (params.get('status') as PurchaseOrderStatus) : undefined;
  const supplierId = params.get('supplierId') || undefined;
  const sku = params.get('sku') || undefined;
  const list = usePagedList(
    (cursor) => purchaseOrders.list({ status, supplierId, sku, cursor }),
    `${status}|${supplierId}|${sku}`,
    (po) => po.id,
    { pollMs: POLL_MS },
  );
  const supplierList = useResource(() => suppliers.list(), []);
  const [creating, setCreating] = useState(false);

  const setFilter = (name: 'status' | 'supplierId' | 'sku', value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <PurchasingNav />
      <PageHeader title="Purchase orders">
        {can(user, 'purchasing:manage') ? (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            <Icon name="plus" /> New purchase order
          </button>
        ) : null}
      </PageHeader>
      <div className="filters">
        <fieldset className="chips">
          <legend>Status</legend>
          <button
            type="button"
            className="chip"
            aria-pressed={status === undefined}
            onClick={() => setFilter('status', undefined)}
          >
            All
          </button>
          {PURCHASE_ORDER_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              className="chip"
              aria-pressed={status === s}
              onClick={() => setFilter('status', status === s ? undefined : s)}
            >
              {PO_STATUS_LABEL[s]}
            </button>
          ))}
        </fieldset>
        <SelectField
          label="Supplier"
          empty="All suppliers"
          value={supplierId ?? ''}
          onChange={(v) => setFilter('supplierId', v || undefined)}
          options={optionsOf(supplierList.data?.items, supplierId)}
        />
        {sku ? (
          <p className="filter-note">
            Product <span className="mono">{sku}</span>{' '}
            <button type="button" className="link-button" onClick={() => setFilter('sku', undefined)}>
              Show all products
            </button>
          </p>
        ) : null}
      </div>
      <PagedList list={list} loadingLabel="Loading purchase orders…" moreLabel="More purchase orders">
        {(items) => (
          <PurchaseOrdersTable items={items} suppliers={supplierList.data?.items} highlightSku={sku} />
        )}
      </PagedList>
      {creating ? (
        <NewPurchaseOrderDialog
          suppliers={supplierList.data?.items ?? []}
          initialSupplierId={supplierId}
          initialSku={sku}
          onClose={() => setCreating(false)}
          onCreated={(po) => navigate(poPath(po.id))}
        />
      ) : null}
    </>
  );
}

const unitsOf = (po: PurchaseOrder, sku?: string) => {
  const lines = sku ? po.lines.filter((l) => l.sku === sku) : po.lines;
  return {
    ordered: lines.reduce((n, l) => n + l.quantity, 0),
    received: lines.reduce((n, l) => n + l.received, 0),
  };
};

export function PurchaseOrdersTable({
  items,
  suppliers: known,
  highlightSku,
  caption = 'Purchase orders, newest first',
  showSupplier = true,
}: {
  items: PurchaseOrder[];
  suppliers?: Supplier[] | undefined;
  /** Count only this SKU's units (a product's purchase orders). */
  highlightSku?: string | undefined;
  caption?: string;
  showSupplier?: boolean;
}) {
  if (items.length === 0) return <p className="empty">No purchase orders.</p>;
  const nameOf = (id: string) => known?.find((s) => s.id === id)?.name ?? id;
  return (
    <div className="table-wrap">
      <table className="table table-cards-on-phone">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Purchase order</th>
            {showSupplier ? <th scope="col">Supplier</th> : null}
            <th scope="col">Status</th>
            <th scope="col" className="numeric">
              {highlightSku ? `Units of ${highlightSku}` : 'Units'}
              <span className="cell-note">received / ordered</span>
            </th>
            <th scope="col" className="numeric">
              Total
            </th>
            <th scope="col">Expected by</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {items.map((po) => {
            const units = unitsOf(po, highlightSku);
            return (
              <tr key={po.id}>
                <td data-label="Purchase order">
                  <Link to={poPath(po.id)} className="mono">
                    {po.id}
                  </Link>
                </td>
                {showSupplier ? (
                  <td data-label="Supplier">
                    <Link to={supplierPath(po.supplierId)}>{nameOf(po.supplierId)}</Link>
                  </td>
                ) : null}
                <td data-label="Status">
                  <PurchaseOrderBadge status={po.status} />
                </td>
                <td data-label="Units" className="numeric">
                  {formatNumber(units.received)} / {formatNumber(units.ordered)}
                </td>
                <td data-label="Total" className="numeric">
                  {formatMoney(po.total)}
                </td>
                <td data-label="Expected by" className="nowrap">
                  {formatDate(po.expectedBy)}
                </td>
                <td data-label="Updated" className="nowrap">
                  <time dateTime={po.updatedAt} title={formatDateTime(po.updatedAt)}>
                    {formatDate(po.updatedAt)}
                  </time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

interface LineValues {
  key: number;
  sku: string;
  quantity: string;
}

/** A manager's purchase order: supplier, location, lines; unit costs come from the supplier's items. */
function NewPurchaseOrderDialog({
  suppliers: list,
  initialSupplierId,
  initialSku,
  onClose,
  onCreated,
}: {
  suppliers: Supplier[];
  initialSupplierId?: string | undefined;
  initialSku?: string | undefined;
  onClose(): void;
  onCreated(po: PurchaseOrder): void;
}) {
  const toast = useToast();
  const action = useActionKey();
  const locations = useResource(() => stock.locations(), []);
  const active = list.filter((s) => s.active);
  const form = useFormState(() => ({
    supplierId: initialSupplierId ?? active[0]?.id ?? '',
    locationId: 'main',
    expectedBy: '',
    lines: [{ key: 0, sku: initialSku ?? '', quantity: '' }] as LineValues[],
  }));
  const { values, set, field, errors } = form;
  const { supplierId, locationId, expectedBy, lines } = values;
  const setLines = (change: (all: LineValues[]) => LineValues[]) => set('lines', change(lines));
  const setLine = (key: number, change: Partial<LineValues>) =>
    setLines((all) => all.map((l) => (l.key === key ? { ...l, ...change } : l)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!supplierId) local.supplierId = 'Choose a supplier';
    lines.forEach((l, i) => {
      if (!l.sku.trim()) local[`lines.${i}.sku`] = 'Enter a SKU';
      const n = Number(l.quantity);
      if (!Number.isInteger(n) || n <= 0) local[`lines.${i}.quantity`] = 'Enter a whole number above 0';
    });
    const skus = lines.map((l) => l.sku.trim().toUpperCase());
    skus.forEach((s, i) => {
      if (s && skus.indexOf(s) !== i) local[`lines.${i}.sku`] = 'Each SKU once';
    });
    const body: PurchaseOrderInput = {
      supplierId,
      locationId,
      lines: lines.map((l) => ({ sku: l.sku.trim(), quantity: Number(l.quantity) })),
      ...(expectedBy ? { expectedBy: endOfDay(expectedBy) } : {}),
    };
    await form.save(
      local,
      async () => {
        const po = await purchaseOrders.create(body, { idempotencyKey: action.keyFor(body) });
        toast.success(`${po.id} created for ${po.supplierId}`);
        onCreated(po);
      },
      (e) => (e instanceof ApiError && e.status === 409 ? `Not created: ${e.problem.detail}` : messageOf(e)),
    );
  };

  return (
    <Modal title="New purchase order" onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <FormFailure message={form.failure} />
        <SelectField label="Supplier" empty="Choose…" options={optionsOf(active)} {...field('supplierId')} />
        <SelectField
          label="Deliver to"
          options={optionsOf(locations.data?.items, locationId)}
          {...field('locationId')}
        />
        <fieldset className="line-rows">
          <legend>Lines</legend>
          {lines.map((l, i) => (
            <div key={l.key} className="line-row">
              <InputField
                label={`SKU, line ${i + 1}`}
                error={errors[`lines.${i}.sku`]}
                autoCapitalize="characters"
                value={l.sku}
                onChange={(v) => setLine(l.key, { sku: v })}
              />
              <WholeNumberField
                label={`Quantity, line ${i + 1}`}
                min={1}
                error={errors[`lines.${i}.quantity`]}
                value={l.quantity}
                onChange={(v) => setLine(l.key, { quantity: v })}
              />
              {lines.length > 1 ? (
                <IconButton
                  icon="trash"
                  label={`Remove line ${i + 1}`}
                  onClick={() => setLines((all) => all.filter((x) => x.key !== l.key))}
                  danger
                />
              ) : null}
            </div>
          ))}
          <button
            type="button"
            className="button button-secondary"
            onClick={() =>
              setLines((all) => [
                ...all,
                { key: Math.max(...all.map((x) => x.key)) + 1, sku: '', quantity: '' },
              ])
            }
          >
            <Icon name="plus" /> Add line
          </button>
        </fieldset>
        <InputField
          label="Expected by (optional)"
          hint="Default: today plus the supplier's lead time"
          type="date"
          {...field('expectedBy')}
        />
        <FormActions
          submitLabel="Create and send"
          busy={form.busy}
          busyLabel="Creating…"
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}

/** A date input's day → the end of that day, UTC, as the API's ISO timestamp. */
export function endOfDay(day: string): string {
  return new Date(`${day}T23:59:59.000Z`).toISOString();
}
