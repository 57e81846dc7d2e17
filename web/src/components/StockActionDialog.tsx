import { type FormEvent, useRef, useState } from 'react';
import { ApiError, newIdempotencyKey } from '../api/client.ts';
import { stock } from '../api/endpoints.ts';
import { ADJUSTMENT_REASONS, type AdjustmentReason, type Location } from '../api/types.ts';
import { formatNumber, humanize } from '../lib/format.ts';
import { useResource } from '../lib/hooks.ts';
import { messageOf, useToast } from './Toasts.tsx';
import { Field, Modal } from './ui.tsx';

export type StockAction = 'adjust' | 'count' | 'receive' | 'transfer';
export const STOCK_ACTIONS: { id: StockAction; label: string }[] = [
  { id: 'adjust', label: 'Adjust' },
  { id: 'count', label: 'Count' },
  { id: 'receive', label: 'Receive' },
  { id: 'transfer', label: 'Transfer' },
];

export const DEFAULT_LOCATION = 'main';

/** The change shown at once, before the server confirms it; undone if it refuses. */
export interface OptimisticChange {
  locationId: string;
  onHandDelta: number;
  /** For transfers: the second location. */
  toLocationId?: string;
}

interface Props {
  sku: string;
  name?: string;
  initial?: StockAction;
  /** Locations already known (from the stock view); the full list is loaded too. */
  knownLocations?: string[];
  /** Current on-hand per location, for a count's optimistic change. */
  onHandAt?: (locationId: string) => number | undefined;
  /** Applies the change on screen and returns its undo. */
  onOptimistic?: (change: OptimisticChange) => () => void;
  onDone(): void;
  onClose(): void;
}

type Errors = Record<string, string>;

/**
 * Adjust (with a reason), count, receive or transfer stock of one SKU. The figures change on
 * screen at once; a refusal (409 conflict, 422 not enough stock) undoes that and says why.
 * One Idempotency-Key per action: resubmitting the same values after a failure reuses it.
 */
export function StockActionDialog({
  sku,
  name,
  initial = 'adjust',
  knownLocations = [],
  onHandAt,
  onOptimistic,
  onDone,
  onClose,
}: Props) {
  const toast = useToast();
  const [action, setAction] = useState<StockAction>(initial);
  const [locationId, setLocationId] = useState(knownLocations[0] ?? DEFAULT_LOCATION);
  const [toLocationId, setToLocationId] = useState('');
  const [quantity, setQuantity] = useState('');
  const [direction, setDirection] = useState<'add' | 'remove'>('remove');
  const [reason, setReason] = useState<AdjustmentReason>('correction');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ body: string; key: string } | null>(null);

  const listed = useResource(() => stock.locations(), []);
  const locations: Location[] = mergeLocations(listed.data?.items, knownLocations);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const n = Number(quantity);
    const local: Errors = {};
    if (quantity.trim() === '' || !Number.isInteger(n) || n < 0 || (action !== 'count' && n === 0)) {
      local.quantity =
        action === 'count' ? 'Enter the counted quantity (0 or more)' : 'Enter a whole number above 0';
    }
    if (action === 'transfer' && (!toLocationId || toLocationId === locationId)) {
      local.toLocationId = 'Choose another location';
    }
    setErrors(local);
    if (Object.keys(local).length) return;

    const body = bodyOf(action, { locationId, toLocationId, n, direction, reason, note });
    const serialized = JSON.stringify({ action, body });
    // The same values again after a failure are a retry of the same action: same key.
    if (attempt.current?.body !== serialized)
      attempt.current = { body: serialized, key: newIdempotencyKey() };
    const idempotencyKey = attempt.current.key;

    const change = optimisticChange(action, { locationId, toLocationId, n, direction }, onHandAt);
    const undo = change && onOptimistic ? onOptimistic(change) : undefined;
    setBusy(true);
    try {
      if (action === 'adjust')
        await stock.adjust(sku, body as Parameters<typeof stock.adjust>[1], { idempotencyKey });
      if (action === 'count')
        await stock.count(sku, body as Parameters<typeof stock.count>[1], { idempotencyKey });
      if (action === 'receive')
        await stock.receive(sku, body as Parameters<typeof stock.receive>[1], { idempotencyKey });
      if (action === 'transfer')
        await stock.transfer(sku, body as Parameters<typeof stock.transfer>[1], { idempotencyKey });
      attempt.current = null;
      toast.success(successMessage(action, sku, { n, direction, locationId, toLocationId }));
      onDone();
      onClose();
    } catch (e) {
      undo?.();
      if (e instanceof ApiError && e.status === 400 && e.problem.errors?.length) {
        setErrors(mapFieldErrors(e.fieldErrors()));
      }
      const message = failureMessage(e);
      setFailure(message);
      toast.error(message);
    } finally {
      setBusy(false);
    }
  };

  const quantityLabel =
    action === 'adjust'
      ? 'Quantity'
      : action === 'count'
        ? 'Counted quantity'
        : action === 'receive'
          ? 'Quantity received'
          : 'Quantity to move';

  return (
    <Modal title={`Stock of ${name ?? sku}`} onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <fieldset className="segmented">
          <legend>Action</legend>
          {STOCK_ACTIONS.map((a) => (
            <label key={a.id} className={action === a.id ? 'selected' : undefined}>
              <input
                type="radio"
                name="stock-action"
                value={a.id}
                checked={action === a.id}
                onChange={() => {
                  setAction(a.id);
                  setErrors({});
                  setFailure(null);
                }}
              />
              {a.label}
            </label>
          ))}
        </fieldset>

        {failure ? (
          <p className="callout callout-error" role="alert">
            {failure}
          </p>
        ) : null}

        <Field label={action === 'transfer' ? 'From location' : 'Location'} error={errors.locationId}>
          {(props) => (
            <select {...props} value={locationId} onChange={(e) => setLocationId(e.target.value)}>
              {locations.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                  {onHandAt?.(l.id) !== undefined ? ` (on hand ${formatNumber(onHandAt(l.id))})` : ''}
                </option>
              ))}
            </select>
          )}
        </Field>

        {action === 'transfer' ? (
          <Field label="To location" error={errors.toLocationId}>
            {(props) => (
              <select {...props} value={toLocationId} onChange={(e) => setToLocationId(e.target.value)}>
                <option value="">Choose…</option>
                {locations
                  .filter((l) => l.id !== locationId)
                  .map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name}
                    </option>
                  ))}
              </select>
            )}
          </Field>
        ) : null}

        {action === 'adjust' ? (
          <fieldset className="segmented">
            <legend>Direction</legend>
            <label className={direction === 'remove' ? 'selected' : undefined}>
              <input
                type="radio"
                name="direction"
                value="remove"
                checked={direction === 'remove'}
                onChange={() => setDirection('remove')}
              />
              Remove
            </label>
            <label className={direction === 'add' ? 'selected' : undefined}>
              <input
                type="radio"
                name="direction"
                value="add"
                checked={direction === 'add'}
                onChange={() => setDirection('add')}
              />
              Add
            </label>
          </fieldset>
        ) : null}

        <Field label={quantityLabel} error={errors.quantity}>
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="numeric"
              min={action === 'count' ? 0 : 1}
              step={1}
              value={quantity}
              onChange={(e) => setQuantity(e.target.value)}
            />
          )}
        </Field>

        {action === 'adjust' ? (
          <Field label="Reason" error={errors.reason}>
            {(props) => (
              <select
                {...props}
                value={reason}
                onChange={(e) => setReason(e.target.value as AdjustmentReason)}
              >
                {ADJUSTMENT_REASONS.map((r) => (
                  <option key={r} value={r}>
                    {humanize(r)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}

        {action === 'adjust' || action === 'count' ? (
          <Field label="Note (optional)" error={errors.note}>
            {(props) => (
              <input {...props} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
            )}
          </Field>
        ) : null}

        {action === 'receive' ? (
          <Field
            label="Reference (optional)"
            hint="Delivery note or purchase order number"
            error={errors.reference}
          >
            {(props) => (
              <input {...props} maxLength={128} value={note} onChange={(e) => setNote(e.target.value)} />
            )}
          </Field>
        ) : null}

        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : STOCK_ACTIONS.find((a) => a.id === action)?.label}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function mergeLocations(listed: Location[] | undefined, known: string[]): Location[] {
  const byId = new Map<string, Location>();
  for (const l of listed ?? []) byId.set(l.id, l);
  for (const id of [...known, DEFAULT_LOCATION]) if (!byId.has(id)) byId.set(id, { id, name: id });
  return [...byId.values()];
}

interface Values {
  locationId: string;
  toLocationId: string;
  n: number;
  direction: 'add' | 'remove';
  reason: AdjustmentReason;
  note: string;
}

function bodyOf(action: StockAction, v: Values): object {
  const note = v.note.trim() || undefined;
  switch (action) {
    case 'adjust':
      return { locationId: v.locationId, delta: v.direction === 'add' ? v.n : -v.n, reason: v.reason, note };
    case 'count':
      return { locationId: v.locationId, countedQuantity: v.n, note };
    case 'receive':
      return { locationId: v.locationId, quantity: v.n, reference: note };
    case 'transfer':
      return { fromLocationId: v.locationId, toLocationId: v.toLocationId, quantity: v.n };
  }
}

function optimisticChange(
  action: StockAction,
  v: Pick<Values, 'locationId' | 'toLocationId' | 'n' | 'direction'>,
  onHandAt?: (locationId: string) => number | undefined,
): OptimisticChange | null {
  switch (action) {
    case 'adjust':
      return { locationId: v.locationId, onHandDelta: v.direction === 'add' ? v.n : -v.n };
    case 'receive':
      return { locationId: v.locationId, onHandDelta: v.n };
    case 'count': {
      const current = onHandAt?.(v.locationId);
      return current === undefined ? null : { locationId: v.locationId, onHandDelta: v.n - current };
    }
    case 'transfer':
      return { locationId: v.locationId, onHandDelta: -v.n, toLocationId: v.toLocationId };
  }
}

/** API field names → this form's fields. */
function mapFieldErrors(fields: Record<string, string>): Errors {
  const out: Errors = {};
  for (const [field, message] of Object.entries(fields)) {
    const key = field.replace(/^body\./, '');
    if (['delta', 'countedQuantity', 'quantity'].includes(key)) out.quantity = message;
    else if (key === 'fromLocationId') out.locationId = message;
    else out[key] = message;
  }
  return out;
}

function failureMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 409)
      return `Not saved: the stock changed meanwhile or would go below zero. ${error.problem.detail ?? ''}`.trim();
    if (error.status === 422) return `Not saved: ${error.problem.detail ?? error.problem.title}`;
    if (error.status === 400)
      return `Please check the values: ${error.problem.detail ?? error.problem.title}`;
  }
  return `Not saved: ${messageOf(error)}`;
}

function successMessage(
  action: StockAction,
  sku: string,
  v: { n: number; direction: 'add' | 'remove'; locationId: string; toLocationId: string },
): string {
  switch (action) {
    case 'adjust':
      return `${sku}: ${v.direction === 'add' ? 'added' : 'removed'} ${formatNumber(v.n)} at ${v.locationId}`;
    case 'count':
      return `${sku}: counted ${formatNumber(v.n)} at ${v.locationId}`;
    case 'receive':
      return `${sku}: received ${formatNumber(v.n)} at ${v.locationId}`;
    case 'transfer':
      return `${sku}: moved ${formatNumber(v.n)} from ${v.locationId} to ${v.toLocationId}`;
  }
}
