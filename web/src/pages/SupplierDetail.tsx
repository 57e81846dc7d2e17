import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { purchaseOrders, suppliers } from '../api/endpoints.ts';
import { useActionKey } from '../api/idempotency.ts';
import type { PriceBreak, RotatedSecret, Supplier, SupplierItem, SupplierItemInput } from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import {
  ConfirmDialog,
  FormActions,
  FormFailure,
  InputField,
  MoneyField,
  useFormState,
  WholeNumberField,
} from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { useToast } from '../components/Toasts.tsx';
import { IconButton, LoadError, Loading, Modal, PageHeader } from '../components/ui.tsx';
import { formatDateTime, formatMoney, formatNumber, toMajor, toMinor } from '../lib/format.ts';
import { useResource, useTitle } from '../lib/hooks.ts';
import { PurchaseOrdersTable } from './PurchaseOrders.tsx';
import { days, PerformanceStats, percent, SecretDialog, SupplierForm, SupplierStatus } from './Suppliers.tsx';

export default function SupplierDetail() {
  const id = useParams().id ?? '';
  const user = useUser();
  const toast = useToast();
  const supplier = useResource(() => suppliers.get(id), [id]);
  const items = useResource(() => suppliers.items(id), [id]);
  const recent = useResource(() => purchaseOrders.list({ supplierId: id, limit: 10 }), [id]);
  useTitle(supplier.data?.name ?? id);
  const [editing, setEditing] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState<RotatedSecret | null>(null);
  const [item, setItem] = useState<SupplierItem | 'new' | null>(null);
  const [removing, setRemoving] = useState<SupplierItem | null>(null);

  if (supplier.error && !supplier.data)
    return <LoadError error={supplier.error} retry={() => void supplier.reload()} />;
  if (!supplier.data) return <Loading label="Loading supplier…" />;
  const s = supplier.data;
  const mayManage = can(user, 'purchasing:manage');

  const enableWebhook = async () => {
    try {
      const saved = await suppliers.update(s.id, { webhookUrl: s.webhookUrl });
      supplier.setData(() => saved);
      toast.success(`Webhook of ${s.name} enabled again`);
    } catch (e) {
      toast.error(e);
    }
  };

  const removeItem = async (target: SupplierItem) => {
    setRemoving(null);
    try {
      await suppliers.removeItem(s.id, target.sku);
      toast.success(`${target.sku} is no longer bought from ${s.name}`);
      void items.reload();
    } catch (e) {
      toast.error(e);
    }
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/purchasing/suppliers">Suppliers</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{s.name}</span>
      </nav>
      <PageHeader title={s.name}>
        {mayManage ? (
          <button type="button" className="button button-primary" onClick={() => setEditing(true)}>
            <Icon name="edit" /> Edit
          </button>
        ) : null}
        {can(user, 'suppliers:rotate-secret') ? (
          <button type="button" className="button button-secondary" onClick={() => setRotating(true)}>
            <Icon name="refresh" /> Rotate secret
          </button>
        ) : null}
      </PageHeader>

      {s.webhookStatus === 'disabled' ? (
        <div className="callout callout-error" role="status">
          <Icon name="alert" />
          <span>
            The webhook answered <strong>410 Gone</strong>: no purchase order goes to {s.name} until it is set
            again.
          </span>
          {mayManage ? (
            <button type="button" className="button button-secondary" onClick={() => void enableWebhook()}>
              Enable the webhook again
            </button>
          ) : null}
        </div>
      ) : null}

      <div className="detail-grid">
        <section className="card" aria-labelledby="supplier-title">
          <h2 id="supplier-title">Supplier</h2>
          <p className="product-meta">
            <span className="mono">{s.id}</span> · <SupplierStatus supplier={s} />
          </p>
          <dl className="facts">
            <div>
              <dt>Email</dt>
              <dd>
                <a href={`mailto:${s.email}`}>{s.email}</a>
              </dd>
            </div>
            <div>
              <dt>Phone</dt>
              <dd>{s.phone ?? '—'}</dd>
            </div>
            <div>
              <dt>Webhook</dt>
              <dd className="mono break">{s.webhookUrl}</dd>
            </div>
            <div>
              <dt>Currency</dt>
              <dd>{s.currency}</dd>
            </div>
            <div>
              <dt>Promised lead time</dt>
              <dd>{days(s.leadTimeDays)}</dd>
            </div>
            <div>
              <dt>Short deliveries</dt>
              <dd>
                {s.backorderPolicy === 'close_short' ? 'Close the order short' : 'Keep the rest on order'}
              </dd>
            </div>
            <div>
              <dt>Signing secret</dt>
              <dd>
                {s.secretRotatedAt
                  ? `rotated ${formatDateTime(s.secretRotatedAt)}`
                  : 'the one made at creation'}
              </dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd>{formatDateTime(s.updatedAt)}</dd>
            </div>
          </dl>
        </section>

        <section className="card" aria-labelledby="performance-title">
          <h2 id="performance-title">Performance</h2>
          <PerformanceStats performance={s.performance} />
          <p className="muted">
            Learned from receipts: the days from sending each purchase order to each delivery, and the share
            of deliveries that came by the expected date.
          </p>
        </section>
      </div>

      <section className="card" aria-labelledby="items-title">
        <div className="card-header">
          <h2 id="items-title">Items</h2>
          {mayManage ? (
            <button type="button" className="button button-secondary" onClick={() => setItem('new')}>
              <Icon name="plus" /> Add item
            </button>
          ) : null}
        </div>
        {items.error && !items.data ? (
          <LoadError error={items.error} retry={() => void items.reload()} />
        ) : null}
        {items.loading && !items.data ? <Loading label="Loading items…" /> : null}
        {items.data ? (
          <ItemsTable
            supplier={s}
            items={items.data.items}
            onEdit={mayManage ? setItem : undefined}
            onRemove={mayManage ? setRemoving : undefined}
          />
        ) : null}
      </section>

      <section className="card" aria-labelledby="recent-title">
        <div className="card-header">
          <h2 id="recent-title">Recent purchase orders</h2>
          <Link to={`/purchasing/orders?supplierId=${encodeURIComponent(s.id)}`}>All of {s.name}</Link>
        </div>
        {recent.error && !recent.data ? (
          <LoadError error={recent.error} retry={() => void recent.reload()} />
        ) : null}
        {recent.data ? (
          <PurchaseOrdersTable
            items={recent.data.items}
            showSupplier={false}
            caption={`Recent purchase orders of ${s.name}`}
          />
        ) : null}
      </section>

      {editing ? (
        <Modal title={`Edit ${s.name}`} onClose={() => setEditing(false)}>
          <SupplierForm
            supplier={s}
            onCancel={() => setEditing(false)}
            onSaved={(saved) => {
              supplier.setData(() => saved);
              setEditing(false);
            }}
          />
        </Modal>
      ) : null}
      {rotating ? (
        <RotateDialog
          supplier={s}
          onClose={() => setRotating(false)}
          onRotated={(r) => {
            setRotating(false);
            setRotated(r);
            void supplier.reload();
          }}
        />
      ) : null}
      {rotated ? (
        <SecretDialog
          title={`New signing secret of ${s.name}`}
          secret={rotated.secret}
          onClose={() => setRotated(null)}
        >
          <p>
            The previous secret keeps working until{' '}
            <strong>{formatDateTime(rotated.previousValidUntil)}</strong> (24 hours), so {s.name} can switch
            over without a gap.
          </p>
        </SecretDialog>
      ) : null}
      {item ? (
        <ItemDialog
          supplier={s}
          item={item === 'new' ? undefined : item}
          onClose={() => setItem(null)}
          onSaved={() => {
            setItem(null);
            void items.reload();
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing.sku}?`}
          confirmLabel="Remove"
          onConfirm={() => void removeItem(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            {s.name} will no longer be offered {removing.sku}. Open purchase orders are not changed; a reorder
            rule that names {s.name} for it can no longer raise one.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function ItemsTable({
  supplier,
  items,
  onEdit,
  onRemove,
}: {
  supplier: Supplier;
  items: SupplierItem[];
  onEdit?: ((item: SupplierItem) => void) | undefined;
  onRemove?: ((item: SupplierItem) => void) | undefined;
}) {
  if (items.length === 0)
    return <p className="muted">No items yet: add the products this supplier sells you.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-cards-on-phone">
        <caption className="sr-only">Items of {supplier.name}</caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Supplier SKU</th>
            <th scope="col" className="numeric">
              Unit cost
            </th>
            <th scope="col">Price breaks</th>
            <th scope="col" className="numeric">
              Min. order
            </th>
            <th scope="col" className="numeric">
              Pack of
            </th>
            <th scope="col" className="numeric">
              Lead time
              <span className="cell-note">promised / observed</span>
            </th>
            <th scope="col" className="numeric">
              On time
            </th>
            {onEdit || onRemove ? (
              <th scope="col" className="actions-col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.sku}>
              <th scope="row">
                <Link to={`/products/${encodeURIComponent(i.sku)}`} className="mono">
                  {i.sku}
                </Link>
              </th>
              <td data-label="Supplier SKU" className="mono">
                {i.supplierSku}
              </td>
              <td data-label="Unit cost" className="numeric">
                {formatMoney(i.unitCost)}
              </td>
              <td data-label="Price breaks">
                {i.priceBreaks?.length
                  ? i.priceBreaks
                      .map((b) => `from ${formatNumber(b.minQty)}: ${formatMoney(b.unitCost)}`)
                      .join('; ')
                  : '—'}
              </td>
              <td data-label="Minimum order" className="numeric">
                {formatNumber(i.minOrderQty)}
              </td>
              <td data-label="Pack of" className="numeric">
                {formatNumber(i.packMultiple)}
              </td>
              <td data-label="Lead time (promised / observed)" className="numeric">
                <span>
                  {days(i.leadTimeDays ?? supplier.leadTimeDays)} / {days(i.performance.observedLeadTimeDays)}
                </span>
                {i.leadTimeDays === undefined ? <span className="cell-note">the supplier's</span> : null}
              </td>
              <td data-label="On time" className="numeric">
                {percent(i.performance.onTimeRate)}
              </td>
              {onEdit || onRemove ? (
                <td data-label="" className="row-actions">
                  {onEdit ? (
                    <IconButton icon="edit" label={`Edit ${i.sku}`} onClick={() => onEdit(i)} />
                  ) : null}
                  {onRemove ? (
                    <IconButton icon="trash" label={`Remove ${i.sku}`} onClick={() => onRemove(i)} danger />
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface ItemValues {
  sku: string;
  supplierSku: string;
  unitCost: string;
  minOrderQty: string;
  packMultiple: string;
  leadTimeDays: string;
  priceBreaks: { key: number; minQty: string; unitCost: string }[];
}

const int = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

/** Add or edit what a supplier sells: their SKU, cost, minimum, pack size, lead time and price breaks. */
function ItemDialog({
  supplier,
  item,
  onClose,
  onSaved,
}: {
  supplier: Supplier;
  item?: SupplierItem | undefined;
  onClose(): void;
  onSaved(): void;
}) {
  const toast = useToast();
  const currency = item?.unitCost.currency ?? supplier.currency;
  const form = useFormState<ItemValues>(() => ({
    sku: item?.sku ?? '',
    supplierSku: item?.supplierSku ?? '',
    unitCost: item ? toMajor(item.unitCost.amount, currency) : '',
    minOrderQty: String(item?.minOrderQty ?? 1),
    packMultiple: String(item?.packMultiple ?? 1),
    leadTimeDays: item?.leadTimeDays === undefined ? '' : String(item.leadTimeDays),
    priceBreaks: (item?.priceBreaks ?? []).map((b, key) => ({
      key,
      minQty: String(b.minQty),
      unitCost: toMajor(b.unitCost.amount, currency),
    })),
  }));
  const { values, set, field, errors } = form;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const sku = values.sku.trim().toUpperCase();
    const priceBreaks: PriceBreak[] = values.priceBreaks.map((b) => ({
      minQty: int(b.minQty),
      unitCost: { amount: toMinor(b.unitCost, currency), currency },
    }));
    const body: SupplierItemInput = {
      supplierSku: values.supplierSku.trim(),
      unitCost: { amount: toMinor(values.unitCost, currency), currency },
      minOrderQty: int(values.minOrderQty),
      packMultiple: int(values.packMultiple),
      ...(values.leadTimeDays.trim() ? { leadTimeDays: int(values.leadTimeDays) } : {}),
      ...(priceBreaks.length ? { priceBreaks } : {}),
    };
    const local: Record<string, string> = {};
    if (!item && !sku) local.sku = 'Enter the SKU';
    if (!body.supplierSku) local.supplierSku = "Enter the supplier's SKU";
    if (!Number.isFinite(body.unitCost.amount) || body.unitCost.amount < 0)
      local['unitCost.amount'] = 'Enter a cost of 0 or more';
    for (const key of ['minOrderQty', 'packMultiple'] as const) {
      const n = body[key] ?? Number.NaN;
      if (!Number.isInteger(n) || n < 1) local[key] = 'Enter a whole number, 1 or more';
    }
    if (body.leadTimeDays !== undefined && (!Number.isInteger(body.leadTimeDays) || body.leadTimeDays < 0))
      local.leadTimeDays = 'Enter whole days, or leave it empty';
    priceBreaks.forEach((b, i) => {
      if (!Number.isInteger(b.minQty) || b.minQty < 1)
        local[`priceBreaks.${i}.minQty`] = 'Whole number, 1 or more';
      if (!Number.isFinite(b.unitCost.amount) || b.unitCost.amount < 0)
        local[`priceBreaks.${i}.unitCost.amount`] = 'A cost of 0 or more';
    });
    if (!(await form.save(local, () => suppliers.putItem(supplier.id, item?.sku ?? sku, body)))) return;
    toast.success(`${item?.sku ?? sku} saved for ${supplier.name}`);
    onSaved();
  };

  const setBreak = (key: number, change: Partial<ItemValues['priceBreaks'][number]>) =>
    set(
      'priceBreaks',
      values.priceBreaks.map((x) => (x.key === key ? { ...x, ...change } : x)),
    );
  const breakError = (i: number) =>
    errors[`priceBreaks.${i}.minQty`] ??
    errors[`priceBreaks.${i}.unitCost.amount`] ??
    errors[`priceBreaks.${i}`];

  return (
    <Modal
      title={item ? `Edit ${item.sku} at ${supplier.name}` : `Add an item to ${supplier.name}`}
      onClose={onClose}
    >
      <form onSubmit={submit} noValidate className="stack">
        <FormFailure message={form.failure} />
        <div className="form-grid">
          {item ? null : <InputField label="SKU" autoCapitalize="characters" {...field('sku')} />}
          <InputField label="Supplier SKU" maxLength={64} {...field('supplierSku')} />
          <MoneyField label={`Unit cost (${currency})`} {...field('unitCost', 'unitCost.amount')} />
          <WholeNumberField label="Minimum order" min={1} {...field('minOrderQty')} />
          <WholeNumberField
            label="Pack of"
            min={1}
            hint="Orders are rounded up to whole packs"
            {...field('packMultiple')}
          />
          <WholeNumberField
            label="Lead time in days (optional)"
            max={365}
            hint={`Empty: the supplier's ${days(supplier.leadTimeDays)}`}
            {...field('leadTimeDays')}
          />
        </div>
        <fieldset className="line-rows">
          <legend>Price breaks</legend>
          {values.priceBreaks.length === 0 ? (
            <p className="muted">None: every quantity costs the unit cost.</p>
          ) : null}
          {values.priceBreaks.map((b, i) => (
            <div key={b.key} className="line-row">
              <WholeNumberField
                label={`From quantity, break ${i + 1}`}
                min={1}
                error={breakError(i)}
                value={b.minQty}
                onChange={(v) => setBreak(b.key, { minQty: v })}
              />
              <MoneyField
                label={`Unit cost (${currency}), break ${i + 1}`}
                value={b.unitCost}
                onChange={(v) => setBreak(b.key, { unitCost: v })}
              />
              <IconButton
                icon="trash"
                label={`Remove break ${i + 1}`}
                onClick={() =>
                  set(
                    'priceBreaks',
                    values.priceBreaks.filter((x) => x.key !== b.key),
                  )
                }
                danger
              />
            </div>
          ))}
          <button
            type="button"
            className="button button-secondary"
            onClick={() =>
              set('priceBreaks', [
                ...values.priceBreaks,
                { key: Math.max(-1, ...values.priceBreaks.map((x) => x.key)) + 1, minQty: '', unitCost: '' },
              ])
            }
          >
            <Icon name="plus" /> Add price break
          </button>
        </fieldset>
        <FormActions submitLabel="Save item" busy={form.busy} onCancel={onClose} />
      </form>
    </Modal>
  );
}

function RotateDialog({
  supplier,
  onClose,
  onRotated,
}: {
  supplier: Supplier;
  onClose(): void;
  onRotated(r: RotatedSecret): void;
}) {
  const toast = useToast();
  const action = useActionKey();
  const [busy, setBusy] = useState(false);
  const rotate = async () => {
    setBusy(true);
    try {
      // One key per dialog: a double click rotates once.
      const r = await suppliers.rotateSecret(supplier.id, { idempotencyKey: action.keyFor(supplier.id) });
      onRotated(r);
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Rotate the signing secret of ${supplier.name}?`}
      confirmLabel={busy ? 'Rotating…' : 'Rotate secret'}
      busy={busy}
      onConfirm={() => void rotate()}
      onClose={onClose}
    >
      <p>
        A new secret signs purchase orders from now on. The current one keeps verifying {supplier.name}'s
        answers for 24 hours, then stops working.
      </p>
    </ConfirmDialog>
  );
}
