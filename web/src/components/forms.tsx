import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';
import { Field, Modal } from './ui.tsx';

/** The form pieces the pages share, on top of ui.tsx's Field and Modal. */

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

/**
 * An amount of money in major units as typed ("12.50"); the form converts it with toMinor. The
 * server names the amount (`price.amount`) or the whole money field (`price`): pass both errors.
 */
export function MoneyField(props: Omit<InputFieldProps, 'type' | 'inputMode'>) {
  return <InputField inputMode="decimal" {...props} />;
}

export interface SelectOption {
  value: string;
  label: string;
}

type SelectAttributes = Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  'id' | 'value' | 'onChange' | 'aria-invalid' | 'aria-describedby' | 'children'
>;

interface SelectFieldProps<V extends string> extends SelectAttributes {
  label: string;
  value: V;
  onChange(value: V): void;
  options: readonly SelectOption[];
  /** A first option with the value '' ("Choose…", "All suppliers", "None"). */
  empty?: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
}

/**
 * Options from a list of named things (suppliers, locations), with `selected` kept even when the
 * list has not loaded yet or does not hold it (a filter from the URL, a PO's own location).
 */
export function optionsOf(
  listed: readonly { id: string; name: string }[] | undefined,
  selected?: string | undefined,
): SelectOption[] {
  const options = (listed ?? []).map((l) => ({ value: l.id, label: l.name }));
  if (selected && !options.some((o) => o.value === selected))
    options.unshift({ value: selected, label: selected });
  return options;
}

/** A labelled select whose error and hint are tied to it. */
export function SelectField<V extends string = string>({
  label,
  value,
  onChange,
  options,
  empty,
  error,
  hint,
  ...select
}: SelectFieldProps<V>) {
  return (
    <Field label={label} error={error} {...(hint ? { hint } : {})}>
      {(props) => (
        <select {...select} {...props} value={value} onChange={(e) => onChange(e.target.value as V)}>
          {empty !== undefined ? <option value="">{empty}</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
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
