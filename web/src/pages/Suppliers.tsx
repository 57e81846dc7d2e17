import { type FormEvent, type ReactNode, useRef, useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../api/client.ts';
import { suppliers } from '../api/endpoints.ts';
import { fieldErrorsOf } from '../api/fields.ts';
import { useActionKey } from '../api/idempotency.ts';
import type { BackorderPolicy, Supplier, SupplierInput, SupplierPerformance } from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import {
  FormActions,
  FormFailure,
  InputField,
  SelectField,
  useFormState,
  WholeNumberField,
} from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { PurchasingNav } from '../components/Layout.tsx';
import { messageOf, useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, Modal, PageHeader } from '../components/ui.tsx';
import { formatNumber } from '../lib/format.ts';
import { useResource, useTitle } from '../lib/hooks.ts';
import { supplierPath } from './PurchaseOrders.tsx';

export default function Suppliers() {
  useTitle('Suppliers');
  const user = useUser();
  const list = useResource(() => suppliers.list(), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ supplier: Supplier; secret: string } | null>(null);

  return (
    <>
      <PurchasingNav />
      <PageHeader title="Suppliers">
        {can(user, 'purchasing:manage') ? (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            <Icon name="plus" /> New supplier
          </button>
        ) : null}
      </PageHeader>
      {list.error && !list.data ? <LoadError error={list.error} retry={() => void list.reload()} /> : null}
      {list.loading && !list.data ? <Loading label="Loading suppliers…" /> : null}
      {list.data ? <SuppliersTable items={list.data.items} /> : null}
      {creating ? (
        <Modal title="New supplier" onClose={() => setCreating(false)}>
          <SupplierForm
            onCancel={() => setCreating(false)}
            onSaved={(saved, newSecret) => {
              setCreating(false);
              if (newSecret) setSecret({ supplier: saved, secret: newSecret });
              void list.reload();
            }}
          />
        </Modal>
      ) : null}
      {secret ? (
        <SecretDialog
          title={`Signing secret of ${secret.supplier.name}`}
          secret={secret.secret}
          onClose={() => setSecret(null)}
        >
          <p>
            Give it to {secret.supplier.name}: their system checks with it that purchase orders come from us,
            and signs its answers with it.
          </p>
        </SecretDialog>
      ) : null}
    </>
  );
}

function SuppliersTable({ items }: { items: Supplier[] }) {
  if (items.length === 0) return <p className="empty">No suppliers yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-cards-on-phone">
        <caption className="sr-only">Suppliers</caption>
        <thead>
          <tr>
            <th scope="col">Supplier</th>
            <th scope="col">Contact</th>
            <th scope="col" className="numeric">
              Lead time (promised / observed)
            </th>
            <th scope="col" className="numeric">
              On time
            </th>
            <th scope="col">Currency</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id}>
              <td data-label="Supplier">
                <span>
                  <Link to={supplierPath(s.id)}>{s.name}</Link> <span className="mono muted">{s.id}</span>
                </span>
              </td>
              <td data-label="Contact">
                <span>{s.email}</span>
              </td>
              <td data-label="Lead time" className="numeric">
                {days(s.performance.promisedLeadTimeDays)} / {days(s.performance.observedLeadTimeDays)}
              </td>
              <td data-label="On time" className="numeric">
                {percent(s.performance.onTimeRate)}
              </td>
              <td data-label="Currency">{s.currency}</td>
              <td data-label="Status">
                <SupplierStatus supplier={s} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SupplierStatus({ supplier }: { supplier: Supplier }) {
  return (
    <>
      {supplier.active ? (
        <span className="badge badge-success">Active</span>
      ) : (
        <span className="badge badge-muted">Inactive</span>
      )}
      {supplier.webhookStatus === 'disabled' ? (
        <span
          className="badge badge-danger"
          title="The supplier's webhook answered 410 Gone: no purchase order is sent until its URL is set again"
        >
          Webhook disabled
        </span>
      ) : null}
    </>
  );
}

/** "4.5 days"; "—" when not known yet. */
export function days(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const rounded = Math.round(n * 10) / 10;
  return `${rounded.toLocaleString()} ${rounded === 1 ? 'day' : 'days'}`;
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)} %`;
}

/** Observed against promised lead time and the on-time rate, in words. */
export function PerformanceStats({ performance: p }: { performance: SupplierPerformance }) {
  const late =
    p.observedLeadTimeDays !== null && p.observedLeadTimeDays > p.promisedLeadTimeDays
      ? p.observedLeadTimeDays - p.promisedLeadTimeDays
      : 0;
  return (
    <div className="stats">
      <div className="stat">
        <span className="stat-label">Promised lead time</span>
        <span className="stat-value">{days(p.promisedLeadTimeDays)}</span>
      </div>
      <div className={`stat${late ? ' stat-low' : ''}`}>
        <span className="stat-label">Observed lead time</span>
        <span className="stat-value">{days(p.observedLeadTimeDays)}</span>
        {p.observedLeadTimeDays === null ? (
          <small className="muted">Known after the first receipt</small>
        ) : late ? (
          <small className="muted">{days(late)} slower than promised</small>
        ) : null}
      </div>
      <div className="stat">
        <span className="stat-label">On time</span>
        <span className="stat-value">{percent(p.onTimeRate)}</span>
        <small className="muted">of {formatNumber(p.receipts)} receipt lines</small>
      </div>
    </div>
  );
}

const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD'];
const BACKORDER_POLICIES: { value: BackorderPolicy; label: string }[] = [
  { value: 'keep_open', label: 'Keep the rest on order' },
  { value: 'close_short', label: 'Close the order short' },
];

interface Values {
  id: string;
  name: string;
  email: string;
  phone: string;
  webhookUrl: string;
  currency: string;
  leadTimeDays: string;
  active: boolean;
  backorderPolicy: BackorderPolicy;
}

const valuesOf = (s?: Supplier): Values => ({
  id: s?.id ?? '',
  name: s?.name ?? '',
  email: s?.email ?? '',
  phone: s?.phone ?? '',
  webhookUrl: s?.webhookUrl ?? '',
  currency: s?.currency ?? 'USD',
  leadTimeDays: s ? String(s.leadTimeDays) : '7',
  active: s?.active ?? true,
  backorderPolicy: s?.backorderPolicy ?? 'keep_open',
});

function inputOf(v: Values): SupplierInput {
  return {
    id: v.id.trim(),
    name: v.name.trim(),
    email: v.email.trim(),
    ...(v.phone.trim() ? { phone: v.phone.replace(/[\s()-]/g, '') } : {}),
    webhookUrl: v.webhookUrl.trim(),
    currency: v.currency,
    leadTimeDays: v.leadTimeDays.trim() === '' ? Number.NaN : Number(v.leadTimeDays),
    active: v.active,
    backorderPolicy: v.backorderPolicy,
  };
}

function localErrors(input: SupplierInput, creating: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  if (creating && !/^[a-z0-9][a-z0-9-]{0,47}$/.test(input.id))
    errors.id = 'Lower-case letters, digits and -, up to 48 (it becomes part of the callback URL)';
  if (!input.name) errors.name = 'Enter a name';
  if (!/^\S+@\S+\.\S+$/.test(input.email)) errors.email = 'Enter an email address';
  if (input.phone && !/^\+[1-9]\d{6,14}$/.test(input.phone))
    errors.phone = 'International format, e.g. +14155550100';
  if (!/^https?:\/\/\S+$/.test(input.webhookUrl)) errors.webhookUrl = 'Enter a URL starting with https://';
  if (!Number.isInteger(input.leadTimeDays) || input.leadTimeDays < 0 || input.leadTimeDays > 365)
    errors.leadTimeDays = 'Enter whole days, 0 to 365';
  return errors;
}

/**
 * Create a supplier (its signing secret comes back once, for the caller to show) or edit one
 * (only the fields that changed are sent). Server field errors appear under their inputs.
 */
export function SupplierForm({
  supplier,
  onSaved,
  onCancel,
}: {
  supplier?: Supplier;
  onSaved(supplier: Supplier, secret?: string): void;
  onCancel(): void;
}) {
  const creating = !supplier;
  const toast = useToast();
  const action = useActionKey();
  const form = useFormState<Values>(() => valuesOf(supplier));
  const { values, set, field, errors, setErrors, failure, setFailure } = form;
  // Not form.save: a refusal here also lists the fields the form does not show, and focuses.
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const showErrors = (fieldErrors: Record<string, string>, headline: string) => {
    setErrors(fieldErrors);
    const unplaced = Object.entries(fieldErrors)
      .filter(([field]) => !(field in values))
      .map(([field, message]) => `${field}: ${message}`);
    setFailure([headline, ...unplaced].join(' '));
    queueMicrotask(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = inputOf(values);
    const local = localErrors(input, creating);
    if (Object.keys(local).length) return showErrors(local, 'Not saved: please correct the marked fields.');
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      if (creating) {
        const created = await suppliers.create(input, { idempotencyKey: action.keyFor(input) });
        toast.success(`Supplier ${created.name} created`);
        const { secret, ...rest } = created;
        onSaved(rest, secret);
      } else {
        const { id: _id, ...fields } = input;
        const before = inputOf(valuesOf(supplier));
        const changes = Object.fromEntries(
          Object.entries(fields).filter(([k, v]) => before[k as keyof SupplierInput] !== v),
        );
        if (Object.keys(changes).length === 0) {
          onCancel();
          return;
        }
        const saved = await suppliers.update(supplier.id, changes);
        toast.success(`Supplier ${saved.name} saved`);
        onSaved(saved);
      }
    } catch (e) {
      const fields = fieldErrorsOf(e);
      if (Object.keys(fields).length) showErrors(fields, 'Not saved: please correct the marked fields.');
      else
        setFailure(
          e instanceof ApiError && e.status === 409
            ? `Not saved: ${e.problem.detail ?? 'a supplier with this id exists'}`
            : `Not saved: ${messageOf(e)}`,
        );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      className="stack"
      aria-label={creating ? 'New supplier' : `Edit ${supplier.name}`}
    >
      <FormFailure message={failure} />
      <div className="form-grid">
        {creating ? (
          <InputField
            label="Supplier id"
            error={errors.id}
            hint="e.g. acme-textiles; it cannot change"
            value={values.id}
            onChange={(v) => set('id', v.toLowerCase())}
          />
        ) : null}
        <InputField label="Name" maxLength={120} {...field('name')} />
        <InputField label="Email" type="email" {...field('email')} />
        <InputField
          label="Phone (optional)"
          hint="International format, e.g. +14155550100"
          type="tel"
          {...field('phone')}
        />
      </div>
      <InputField
        label="Webhook URL"
        hint="Where purchase orders are sent, signed. Setting it again re-enables a webhook that answered 410."
        type="url"
        {...field('webhookUrl')}
      />
      <div className="form-grid">
        <SelectField
          label="Currency"
          options={[...new Set([values.currency, ...CURRENCIES])].map((c) => ({ value: c, label: c }))}
          {...field('currency')}
        />
        <WholeNumberField
          label="Lead time (days)"
          max={365}
          hint="Promised days from order to delivery"
          {...field('leadTimeDays')}
        />
        <SelectField<BackorderPolicy>
          label="Short deliveries"
          error={errors.backorderPolicy}
          value={values.backorderPolicy}
          onChange={(v) => set('backorderPolicy', v)}
          options={BACKORDER_POLICIES}
        />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={values.active} onChange={(e) => set('active', e.target.checked)} />{' '}
        Active: purchase orders may go to this supplier
      </label>
      <FormActions submitLabel={creating ? 'Create supplier' : 'Save'} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/**
 * A signing secret, shown this once: a read-only field to select, a copy button, and the warning
 * that it cannot be read again.
 */
export function SecretDialog({
  title,
  secret,
  children,
  onClose,
}: {
  title: string;
  secret: string;
  children?: ReactNode;
  onClose(): void;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // No clipboard (an insecure context): select it for Ctrl+C.
      inputRef.current?.select();
      setCopied('failed');
    }
  };
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <button type="button" className="button button-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <p className="callout callout-warning">
        <Icon name="alert" />
        <strong>Copy it now: you will not see it again.</strong>
      </p>
      <div className="secret">
        <label htmlFor="signing-secret">Signing secret</label>
        <div className="secret-row">
          <input
            ref={inputRef}
            id="signing-secret"
            className="mono"
            readOnly
            value={secret}
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" className="button button-secondary" onClick={() => void copy()}>
            Copy
          </button>
        </div>
        <p role="status" className="muted">
          {copied === 'yes'
            ? 'Copied to the clipboard.'
            : copied === 'failed'
              ? 'Selected: press Ctrl+C to copy.'
              : ''}
        </p>
      </div>
      {children}
    </Modal>
  );
}
