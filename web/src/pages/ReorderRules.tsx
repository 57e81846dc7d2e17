import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { reorderRules, stock, suppliers } from '../api/endpoints.ts';
import type { ReorderRule, ReorderRuleInput, Supplier } from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import {
  ConfirmDialog,
  FormActions,
  FormFailure,
  InputField,
  MoneyField,
  optionsOf,
  SelectField,
  type SelectOption,
  useFormState,
  WholeNumberField,
} from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { PurchasingNav } from '../components/Layout.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { useToast } from '../components/Toasts.tsx';
import { IconButton, Modal, PageHeader } from '../components/ui.tsx';
import { formatDate, formatDateTime, formatMoney, formatNumber, toMajor, toMinor } from '../lib/format.ts';
import { POLL_MS, useDebounced, usePagedList, useResource, useTitle } from '../lib/hooks.ts';
import { endOfDay, supplierPath } from './PurchaseOrders.tsx';

/** Said wherever a forecast would be: there is none until the reporting service provides it. */
export const FORECAST_NOTE = 'No forecast yet: demand forecasts come with the reporting service.';

const DEFAULT_LOCATION = 'main';
const ruleKey = (r: Pick<ReorderRule, 'sku' | 'locationId'>) => `${r.sku}@${r.locationId}`;

export default function ReorderRules() {
  useTitle('Reorder rules');
  const user = useUser();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('sku') ?? '');
  const sku = useDebounced(search.trim().toUpperCase(), 300) || undefined;
  const locationId = params.get('locationId') || undefined;
  const rules = usePagedList(
    (cursor) => reorderRules.list({ sku, locationId, cursor }),
    `${sku}|${locationId}`,
    ruleKey,
    { pollMs: POLL_MS },
  );
  const supplierList = useResource(() => suppliers.list(), []);
  const locations = useResource(() => stock.locations(), []);
  const [editing, setEditing] = useState<ReorderRule | 'new' | null>(null);
  const [removing, setRemoving] = useState<ReorderRule | null>(null);
  const mayManage = can(user, 'purchasing:manage');

  const setQuery = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const remove = async (rule: ReorderRule) => {
    setRemoving(null);
    try {
      await reorderRules.remove(rule.sku, rule.locationId);
      toast.success(`Reorder rule of ${rule.sku} at ${rule.locationId} deleted`);
      void rules.first.reload();
    } catch (e) {
      toast.error(e);
    }
  };

  return (
    <>
      <PurchasingNav />
      <PageHeader title="Reorder rules">
        {mayManage ? (
          <button type="button" className="button button-primary" onClick={() => setEditing('new')}>
            <Icon name="plus" /> New rule
          </button>
        ) : null}
      </PageHeader>
      <p className="muted">
        When available plus what is on order within the lead time falls to the minimum, a purchase order tops
        it up to the maximum, rounded up to the rule's multiple and the supplier's pack size.
      </p>
      <div className="filters">
        <div className="field field-search">
          <label htmlFor="rule-sku">SKU</label>
          <input
            id="rule-sku"
            value={search}
            autoCapitalize="characters"
            onChange={(e) => {
              setSearch(e.target.value);
              setQuery('sku', e.target.value.trim().toUpperCase() || undefined);
            }}
          />
        </div>
        <SelectField
          label="Location"
          empty="All locations"
          value={locationId ?? ''}
          onChange={(v) => setQuery('locationId', v || undefined)}
          options={optionsOf(locations.data?.items, locationId)}
        />
      </div>
      <PagedList list={rules} loadingLabel="Loading reorder rules…" moreLabel="More rules">
        {(items) => (
          <RulesTable
            rules={items}
            suppliers={supplierList.data?.items}
            onEdit={mayManage ? setEditing : undefined}
            onRemove={mayManage ? setRemoving : undefined}
          />
        )}
      </PagedList>
      {editing ? (
        <RuleDialog
          rule={editing === 'new' ? undefined : editing}
          initialSku={sku}
          suppliers={supplierList.data?.items ?? []}
          locations={optionsOf(locations.data?.items, DEFAULT_LOCATION)}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void rules.first.reload();
          }}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Delete the rule of ${removing.sku}?`}
          confirmLabel="Delete"
          onConfirm={() => void remove(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            No purchase order is raised automatically for {removing.sku} at {removing.locationId} any more.
            Open purchase orders are not changed.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/**
 * The rules, one row per product and location, fitting a laptop screen (1024 px and wider)
 * without scrolling sideways: the rule's figures in one column, the suppliers with the approval
 * threshold and the snooze below them, and the stock position (what the suggestion is made of)
 * as a group of narrow figure columns.
 */
function RulesTable({
  rules,
  suppliers: known,
  onEdit,
  onRemove,
}: {
  rules: ReorderRule[];
  suppliers?: Supplier[] | undefined;
  onEdit?: ((rule: ReorderRule) => void) | undefined;
  onRemove?: ((rule: ReorderRule) => void) | undefined;
}) {
  if (rules.length === 0) return <p className="empty">No reorder rules.</p>;
  const nameOf = (id: string) => known?.find((s) => s.id === id)?.name ?? id;
  const now = Date.now();
  const withActions = Boolean(onEdit || onRemove);
  return (
    <div className="table-wrap">
      <table className="table rules-table table-cards-on-phone">
        <caption className="sr-only">Reorder rules per product and location</caption>
        <colgroup span={3} />
        <colgroup span={4} />
        {withActions ? <colgroup /> : null}
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              Product
            </th>
            <th scope="col" rowSpan={2}>
              Rule
            </th>
            <th scope="col" rowSpan={2}>
              Suppliers
            </th>
            <th scope="colgroup" colSpan={4} className="rules-position-head">
              Stock position
            </th>
            {withActions ? (
              <th scope="col" rowSpan={2} className="actions-col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
          <tr>
            <th scope="col" className="numeric">
              Available
            </th>
            <th
              scope="col"
              className="numeric"
              title="Counted: expected within the lead time. Later: not counted."
            >
              On order <span className="cell-note">counted / later</span>
            </th>
            <th scope="col" className="numeric">
              Suggested
            </th>
            <th scope="col" className="numeric">
              Forecast
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => {
            const p = r.position;
            const snoozed = r.snoozedUntil && Date.parse(r.snoozedUntil) > now;
            return (
              <tr key={ruleKey(r)}>
                <th scope="row">
                  <Link to={`/products/${encodeURIComponent(r.sku)}`} className="mono">
                    {r.sku}
                  </Link>{' '}
                  <span className="cell-note">at {r.locationId}</span>
                </th>
                <td
                  data-label="Rule"
                  title={`Orders when available + on order falls to ${formatNumber(r.min)}, up to ${formatNumber(r.max)}, in multiples of ${formatNumber(r.multiple)}`}
                >
                  <div>
                    min {formatNumber(r.min)} → max {formatNumber(r.max)}{' '}
                    <span className="cell-note">multiple {formatNumber(r.multiple)}</span>
                  </div>
                </td>
                <td data-label="Suppliers" className="rules-suppliers">
                  <div>
                    {r.fallbackSupplierId ? (
                      // On two lines when narrow: "Acme Textiles, then" over "Northwind Supply".
                      <div>
                        <span className="nowrap">
                          <Link to={supplierPath(r.preferredSupplierId)}>
                            {nameOf(r.preferredSupplierId)}
                          </Link>
                          , then
                        </span>{' '}
                        <Link to={supplierPath(r.fallbackSupplierId)} className="nowrap">
                          {nameOf(r.fallbackSupplierId)}
                        </Link>
                      </div>
                    ) : (
                      <div>
                        <Link to={supplierPath(r.preferredSupplierId)}>{nameOf(r.preferredSupplierId)}</Link>
                      </div>
                    )}
                    {r.approvalThreshold ? (
                      <>
                        {' '}
                        <span className="cell-note">Approval from {formatMoney(r.approvalThreshold)}</span>
                      </>
                    ) : null}
                    {snoozed ? (
                      <>
                        {' '}
                        <span
                          className="cell-note"
                          title={`No automatic order before ${formatDateTime(r.snoozedUntil)}`}
                        >
                          <span className="badge badge-warning">Snoozed</span> until{' '}
                          {formatDate(r.snoozedUntil ?? '')}
                        </span>
                      </>
                    ) : null}
                  </div>
                </td>
                {p ? (
                  <>
                    <td data-label="Available" className="numeric">
                      {formatNumber(p.available)}
                    </td>
                    <td data-label="On order (counted / later)" className="numeric">
                      <span>
                        {formatNumber(p.onOrder)} / {formatNumber(p.onOrderLater)}
                      </span>
                    </td>
                    <td data-label="Suggested" className="numeric" title={`As of ${formatDateTime(p.asOf)}`}>
                      {p.suggestedQuantity > 0 ? (
                        <strong>{formatNumber(p.suggestedQuantity)}</strong>
                      ) : (
                        <span className="muted rules-nothing">nothing to order</span>
                      )}
                    </td>
                  </>
                ) : (
                  <>
                    <td
                      data-label="Available"
                      className="numeric muted"
                      colSpan={2}
                      title="No stock event seen for it yet"
                    >
                      not seen yet
                    </td>
                    <td data-label="Suggested" className="numeric">
                      —
                    </td>
                  </>
                )}
                <td data-label="Forecast" className="numeric">
                  <Forecast />
                </td>
                {withActions ? (
                  <td data-label="" className="row-actions">
                    {onEdit ? (
                      <IconButton
                        icon="edit"
                        label={`Edit the rule of ${r.sku} at ${r.locationId}`}
                        onClick={() => onEdit(r)}
                      />
                    ) : null}
                    {onRemove ? (
                      <IconButton
                        icon="trash"
                        label={`Delete the rule of ${r.sku} at ${r.locationId}`}
                        onClick={() => onRemove(r)}
                        danger
                      />
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Forecast() {
  return (
    <span className="muted" title={FORECAST_NOTE}>
      <span aria-hidden="true">—</span>
      <span className="sr-only">{FORECAST_NOTE}</span>
    </span>
  );
}

interface RuleValues {
  sku: string;
  locationId: string;
  min: string;
  max: string;
  multiple: string;
  preferredSupplierId: string;
  fallbackSupplierId: string;
  approvalThreshold: string;
  snoozedUntil: string;
}

const int = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

/** Create or change the rule of one SKU at one location (a PUT: the whole rule). */
function RuleDialog({
  rule,
  initialSku,
  suppliers: list,
  locations,
  onClose,
  onSaved,
}: {
  rule?: ReorderRule | undefined;
  initialSku?: string | undefined;
  suppliers: Supplier[];
  locations: SelectOption[];
  onClose(): void;
  onSaved(): void;
}) {
  const toast = useToast();
  const form = useFormState<RuleValues>(() => ({
    sku: rule?.sku ?? initialSku ?? '',
    locationId: rule?.locationId ?? DEFAULT_LOCATION,
    min: rule ? String(rule.min) : '',
    max: rule ? String(rule.max) : '',
    multiple: String(rule?.multiple ?? 1),
    preferredSupplierId: rule?.preferredSupplierId ?? list.find((s) => s.active)?.id ?? '',
    fallbackSupplierId: rule?.fallbackSupplierId ?? '',
    approvalThreshold: rule?.approvalThreshold
      ? toMajor(rule.approvalThreshold.amount, rule.approvalThreshold.currency)
      : '',
    snoozedUntil:
      rule?.snoozedUntil && Date.parse(rule.snoozedUntil) > Date.now() ? rule.snoozedUntil.slice(0, 10) : '',
  }));
  const { values, field } = form;
  const preferred = list.find((s) => s.id === values.preferredSupplierId);
  const currency = rule?.approvalThreshold?.currency ?? preferred?.currency ?? 'USD';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const sku = values.sku.trim().toUpperCase();
    const body: ReorderRuleInput = {
      locationId: values.locationId,
      min: int(values.min),
      max: int(values.max),
      multiple: int(values.multiple),
      preferredSupplierId: values.preferredSupplierId,
      ...(values.fallbackSupplierId ? { fallbackSupplierId: values.fallbackSupplierId } : {}),
      ...(values.approvalThreshold.trim()
        ? { approvalThreshold: { amount: toMinor(values.approvalThreshold, currency), currency } }
        : {}),
      ...(values.snoozedUntil ? { snoozedUntil: endOfDay(values.snoozedUntil) } : {}),
    };
    const local: Record<string, string> = {};
    if (!sku) local.sku = 'Enter the SKU';
    if (!Number.isInteger(body.min) || body.min < 0) local.min = 'Enter a whole number, 0 or more';
    if (!Number.isInteger(body.max) || body.max < 1) local.max = 'Enter a whole number, 1 or more';
    else if (Number.isInteger(body.min) && body.max <= body.min)
      local.max = 'Must be greater than the minimum';
    if (!Number.isInteger(body.multiple) || (body.multiple ?? 0) < 1)
      local.multiple = 'Enter a whole number, 1 or more';
    if (!body.preferredSupplierId) local.preferredSupplierId = 'Choose a supplier';
    if (body.fallbackSupplierId && body.fallbackSupplierId === body.preferredSupplierId)
      local.fallbackSupplierId = 'Choose another supplier than the preferred one';
    if (
      body.approvalThreshold &&
      (!Number.isFinite(body.approvalThreshold.amount) || body.approvalThreshold.amount < 0)
    )
      local['approvalThreshold.amount'] = 'Enter an amount of 0 or more, or leave it empty';
    const saved = await form.save(local, () => reorderRules.put(sku, body));
    if (!saved) return;
    toast.success(`Reorder rule of ${sku} at ${body.locationId} saved`);
    onSaved();
  };

  const supplierOption = (s: Supplier): SelectOption => ({
    value: s.id,
    label: s.active ? s.name : `${s.name} (inactive)`,
  });

  return (
    <Modal
      title={rule ? `Reorder rule of ${rule.sku} at ${rule.locationId}` : 'New reorder rule'}
      onClose={onClose}
    >
      <form onSubmit={submit} noValidate className="stack">
        <FormFailure message={form.failure} />
        <div className="form-grid">
          <InputField label="SKU" readOnly={Boolean(rule)} autoCapitalize="characters" {...field('sku')} />
          <SelectField
            label="Location"
            disabled={Boolean(rule)}
            options={locations}
            {...field('locationId')}
          />
          <WholeNumberField
            label="Min"
            hint="Order when available + on order falls to this"
            {...field('min')}
          />
          <WholeNumberField label="Max" min={1} hint="Order up to this level" {...field('max')} />
          <WholeNumberField
            label="Multiple"
            min={1}
            hint="Quantities are rounded up to it"
            {...field('multiple')}
          />
          <SelectField
            label="Preferred supplier"
            empty="Choose…"
            options={list.map(supplierOption)}
            {...field('preferredSupplierId')}
          />
          <SelectField
            label="Fallback supplier (optional)"
            hint="Used when the preferred one rejects the order or cannot be reached"
            empty="None"
            options={list.filter((s) => s.id !== values.preferredSupplierId).map(supplierOption)}
            {...field('fallbackSupplierId')}
          />
          <MoneyField
            label={`Approval from (${currency}, optional)`}
            hint="A purchase order of this total or more waits for a manager"
            {...field('approvalThreshold', 'approvalThreshold.amount')}
          />
          <InputField
            label="Snooze until (optional)"
            hint="No automatic order before then"
            type="date"
            {...field('snoozedUntil')}
          />
        </div>
        <FormActions submitLabel="Save rule" busy={form.busy} onCancel={onClose} />
      </form>
    </Modal>
  );
}
