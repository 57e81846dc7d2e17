import { type InputHTMLAttributes, type ReactNode, useState } from 'react';
import type { Page } from '../api/types.ts';
import { Field, Modal } from '../components/ui.tsx';
import { type Resource, useResource } from '../lib/hooks.ts';

/** The small form pieces the purchasing pages share, on top of ui.tsx's Field and Modal. */

type InputAttributes = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'aria-invalid' | 'aria-describedby'
>;

interface InputFieldProps extends InputAttributes {
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  hint?: string | undefined;
}

/** A labelled input whose error and hint are tied to it; the value stays the text typed. */
export function InputField({ label, value, onChange, error, hint, ...input }: InputFieldProps) {
  return (
    <Field label={label} error={error} {...(hint ? { hint } : {})}>
      {(props) => <input {...input} {...props} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

/** A whole number (0 or more unless `min` says otherwise); the form parses and checks it. */
export function WholeNumberField(props: Omit<InputFieldProps, 'type'>) {
  return <InputField type="number" inputMode="numeric" step={1} min={0} {...props} />;
}

/** Why the last submission was not saved, announced to screen readers. */
export function FormFailure({ message }: { message: string | null }) {
  return message ? (
    <p className="callout callout-error" role="alert">
      {message}
    </p>
  ) : null;
}

/** Cancel and submit; the submit button is disabled while the request is out (no second click). */
export function FormActions({
  submitLabel,
  busy,
  busyLabel = 'Saving…',
  onCancel,
  cancelLabel = 'Cancel',
  tone = 'primary',
}: {
  submitLabel: string;
  busy: boolean;
  busyLabel?: string;
  onCancel(): void;
  cancelLabel?: string;
  tone?: 'primary' | 'danger';
}) {
  return (
    <div className="form-actions">
      <button type="button" className="button button-secondary" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button type="submit" className={`button button-${tone}`} disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
    </div>
  );
}

/** "Delete X?": what happens, Back, and the dangerous button. */
export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onClose,
  busy = false,
  children,
}: {
  title: string;
  confirmLabel: string;
  onConfirm(): void;
  onClose(): void;
  busy?: boolean;
  children: ReactNode;
}) {
  return (
    <Modal
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose}>
            Back
          </button>
          <button type="button" className="button button-danger" disabled={busy} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Modal>
  );
}

/**
 * A cursor-paged list: the first page (reloaded when `filterKey` changes, polled with `pollMs`) and
 * the pages the user asked for after it. `loadMore` throws what the request threw.
 */
export function usePagedList<T>(
  load: (cursor?: string) => Promise<Page<T>>,
  filterKey: string,
  idOf: (item: T) => string,
  options: { pollMs?: number } = {},
): { first: Resource<Page<T>>; items: T[]; nextCursor: string | null; loadMore(): Promise<void> } {
  const first = useResource(() => load(), [filterKey], options);
  const [more, setMore] = useState<{ key: string; items: T[]; cursor: string | null }>({
    key: filterKey,
    items: [],
    cursor: null,
  });
  const extra = more.key === filterKey ? more : { key: filterKey, items: [], cursor: null };
  const nextCursor = extra.items.length ? extra.cursor : (first.data?.nextCursor ?? null);
  const seen = new Set((first.data?.items ?? []).map(idOf));
  const items = [...(first.data?.items ?? []), ...extra.items.filter((item) => !seen.has(idOf(item)))];
  const loadMore = async () => {
    if (!nextCursor) return;
    const page = await load(nextCursor);
    setMore({ key: filterKey, items: [...extra.items, ...page.items], cursor: page.nextCursor ?? null });
  };
  return { first, items, nextCursor, loadMore };
}
