import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useState } from 'react';
import { fieldErrorsOf } from '../api/fields.ts';
import { messageOf } from './Toasts.tsx';
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

type TextKeys<V> = { [K in keyof V]: V[K] extends string ? K : never }[keyof V] & string;

export interface FormState<V> {
  values: V;
  set<K extends keyof V>(key: K, value: V[K]): void;
  /** What an InputField, WholeNumberField or MoneyField of a text value takes: value, onChange, error. */
  field<K extends TextKeys<V>>(
    key: K,
    ...errorKeys: string[]
  ): { value: string; onChange(value: string): void; error: string | undefined };
  errors: Record<string, string>;
  setErrors(errors: Record<string, string>): void;
  failure: string | null;
  setFailure(message: string | null): void;
  busy: boolean;
  /**
   * Shows `local` (the form's own checks) next to their inputs and stops there if there are any;
   * otherwise runs `send` with the submit button disabled. A refusal puts the server's field
   * errors next to their inputs and `failureOf(error)` above the form. Resolves true when sent.
   */
  save(
    local: Record<string, string>,
    send: () => Promise<unknown>,
    failureOf?: (error: unknown) => string,
  ): Promise<boolean>;
}

/** The state every dialog form keeps: the values as typed, field errors, the failure, busy. */
export function useFormState<V extends object>(initial: () => V): FormState<V> {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof V>(key: K, value: V[K]) => setValues((v) => ({ ...v, [key]: value }));
  return {
    values,
    set,
    field: (key, ...errorKeys) => ({
      value: values[key] as string,
      onChange: (value: string) => set(key, value as V[typeof key]),
      error: [key, ...errorKeys].map((k) => errors[k]).find(Boolean),
    }),
    errors,
    setErrors,
    failure,
    setFailure,
    busy,
    save: async (local, send, failureOf = (e) => `Not saved: ${messageOf(e)}`) => {
      setFailure(null);
      setErrors(local);
      if (Object.keys(local).length) return false;
      setBusy(true);
      try {
        await send();
        return true;
      } catch (e) {
        setErrors(fieldErrorsOf(e));
        setFailure(failureOf(e));
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}
