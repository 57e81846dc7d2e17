import { type FormEvent, useRef, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { Product, ProductInput } from '../api/types.ts';
import { toMajor, toMinor } from '../lib/format.ts';
import { Icon } from './Icon.tsx';
import { messageOf } from './Toasts.tsx';
import { Field } from './ui.tsx';

const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD'];

interface Values {
  sku: string;
  name: string;
  description: string;
  category: string;
  currency: string;
  price: string;
  cost: string;
  reorderPoint: string;
  safetyStock: string;
  allowBackorder: boolean;
  attributes: { key: string; value: string }[];
}

function valuesOf(product?: Product): Values {
  const currency = product?.price.currency ?? 'USD';
  return {
    sku: product?.sku ?? '',
    name: product?.name ?? '',
    description: product?.description ?? '',
    category: product?.category ?? '',
    currency,
    price: product ? toMajor(product.price.amount, currency) : '',
    cost: product ? toMajor(product.cost.amount, product.cost.currency) : '',
    reorderPoint: String(product?.reorderPoint ?? 0),
    safetyStock: String(product?.safetyStock ?? 0),
    allowBackorder: product?.allowBackorder ?? false,
    attributes: Object.entries(product?.attributes ?? {}).map(([key, value]) => ({
      key,
      value: String(value),
    })),
  };
}

/** The API body of the form's values; numbers that do not parse stay NaN for the server to name. */
function inputOf(v: Values, original?: Product): ProductInput {
  const attributes: ProductInput['attributes'] = {};
  for (const { key, value } of v.attributes) {
    if (!key.trim()) continue;
    const previous = original?.attributes[key.trim()];
    attributes[key.trim()] =
      typeof previous === 'number' && value.trim() !== '' && Number.isFinite(Number(value))
        ? Number(value)
        : value;
  }
  const int = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  return {
    sku: v.sku.trim(),
    name: v.name.trim(),
    description: v.description,
    category: v.category.trim(),
    price: { amount: toMinor(v.price, v.currency), currency: v.currency },
    cost: { amount: toMinor(v.cost, v.currency), currency: v.currency },
    reorderPoint: int(v.reorderPoint),
    safetyStock: int(v.safetyStock),
    allowBackorder: v.allowBackorder,
    attributes,
  };
}

/** Checks the browser can make before asking the server, with the server's field names. */
function localErrors(input: ProductInput, creating: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  if (creating && !input.sku) errors.sku = 'Enter a SKU';
  if (!input.name) errors.name = 'Enter a name';
  if (!input.category) errors.category = 'Enter a category';
  if (!Number.isFinite(input.price.amount) || input.price.amount < 0)
    errors['price.amount'] = 'Enter a price of 0 or more';
  if (!Number.isFinite(input.cost.amount) || input.cost.amount < 0)
    errors['cost.amount'] = 'Enter a cost of 0 or more';
  if (!Number.isInteger(input.reorderPoint) || input.reorderPoint < 0)
    errors.reorderPoint = 'Enter a whole number, 0 or more';
  if (!Number.isInteger(input.safetyStock) || input.safetyStock < 0)
    errors.safetyStock = 'Enter a whole number, 0 or more';
  return errors;
}

/** Which input shows a server field error: `price.amount` → price, `attributes.colour` → attributes. */
export function inputForField(field: string): string {
  const path = field.replace(/^(body|json)\./, '');
  const [head, second] = path.split('.');
  if (head === 'price' || head === 'cost') return second === 'currency' ? 'currency' : head;
  if (head === 'attributes') return 'attributes';
  return head ?? path;
}

const FIELD_LABELS: Record<string, string> = {
  sku: 'SKU',
  name: 'Name',
  description: 'Description',
  category: 'Category',
  currency: 'Currency',
  price: 'Price',
  cost: 'Cost',
  reorderPoint: 'Reorder point',
  safetyStock: 'Safety stock',
  allowBackorder: 'Allow backorders',
  attributes: 'Attributes',
};

interface Props {
  product?: Product;
  categories?: string[];
  /** Saves; throws ApiError with problem+json on refusal. */
  onSubmit(input: ProductInput): Promise<void>;
  onCancel(): void;
}

/**
 * Add or edit a product. The server's problem+json `errors[]` appear next to their inputs
 * (`price.amount` under Price); errors of fields the form does not show go to the summary.
 */
export function ProductForm({ product, categories = [], onSubmit, onCancel }: Props) {
  const creating = !product;
  const [values, setValues] = useState<Values>(() => valuesOf(product));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const set = <K extends keyof Values>(key: K, value: Values[K]) =>
    setValues((v) => ({ ...v, [key]: value }));

  const showErrors = (fieldErrors: Record<string, string>, headline: string) => {
    const byInput: Record<string, string> = {};
    const unplaced: string[] = [];
    for (const [field, message] of Object.entries(fieldErrors)) {
      const input = inputForField(field);
      if (input in FIELD_LABELS) byInput[input] ??= message;
      else unplaced.push(`${field}: ${message}`);
    }
    setErrors(byInput);
    const count = Object.keys(byInput).length;
    setSummary(
      [headline, count ? `Please correct ${count} field${count === 1 ? '' : 's'}.` : null, ...unplaced]
        .filter(Boolean)
        .join(' '),
    );
    // Focus the first invalid input, as a keyboard or screen-reader user would need.
    queueMicrotask(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = inputOf(values, product);
    const local = localErrors(input, creating);
    if (Object.keys(local).length) {
      showErrors(local, 'Not saved.');
      return;
    }
    setErrors({});
    setSummary(null);
    setBusy(true);
    try {
      await onSubmit(input);
    } catch (e) {
      if (e instanceof ApiError && e.problem.errors?.length)
        showErrors(e.fieldErrors(), `${e.problem.title}.`);
      else setSummary(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      ref={formRef}
      className="card product-form"
      onSubmit={submit}
      noValidate
      aria-label={creating ? 'New product' : `Edit ${product.sku}`}
    >
      {summary ? (
        <div className="callout callout-error" role="alert">
          <Icon name="alert" /> <span>{summary}</span>
        </div>
      ) : null}
      <div className="form-grid">
        <Field
          label="SKU"
          error={errors.sku}
          hint={creating ? 'Upper-case letters, digits, . _ -' : 'A SKU cannot change'}
        >
          {(props) => (
            <input
              {...props}
              name="sku"
              value={values.sku}
              readOnly={!creating}
              autoCapitalize="characters"
              onChange={(e) => set('sku', e.target.value.toUpperCase())}
            />
          )}
        </Field>
        <Field label="Name" error={errors.name}>
          {(props) => (
            <input {...props} name="name" value={values.name} onChange={(e) => set('name', e.target.value)} />
          )}
        </Field>
        <Field label="Category" error={errors.category}>
          {(props) => (
            <>
              <input
                {...props}
                name="category"
                list="category-options"
                value={values.category}
                onChange={(e) => set('category', e.target.value)}
              />
              <datalist id="category-options">
                {categories.map((c) => (
                  <option key={c} value={c} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Currency" error={errors.currency}>
          {(props) => (
            <select
              {...props}
              name="currency"
              value={values.currency}
              onChange={(e) => set('currency', e.target.value)}
            >
              {[...new Set([values.currency, ...CURRENCIES])].map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Price" error={errors.price}>
          {(props) => (
            <input
              {...props}
              name="price"
              inputMode="decimal"
              value={values.price}
              onChange={(e) => set('price', e.target.value)}
            />
          )}
        </Field>
        <Field label="Cost" error={errors.cost}>
          {(props) => (
            <input
              {...props}
              name="cost"
              inputMode="decimal"
              value={values.cost}
              onChange={(e) => set('cost', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Reorder point"
          error={errors.reorderPoint}
          hint="Low stock at or under this many available"
        >
          {(props) => (
            <input
              {...props}
              name="reorderPoint"
              type="number"
              min={0}
              step={1}
              value={values.reorderPoint}
              onChange={(e) => set('reorderPoint', e.target.value)}
            />
          )}
        </Field>
        <Field label="Safety stock" error={errors.safetyStock} hint="Kept back: never sold">
          {(props) => (
            <input
              {...props}
              name="safetyStock"
              type="number"
              min={0}
              step={1}
              value={values.safetyStock}
              onChange={(e) => set('safetyStock', e.target.value)}
            />
          )}
        </Field>
      </div>
      <Field label="Description" error={errors.description}>
        {(props) => (
          <textarea
            {...props}
            name="description"
            rows={4}
            maxLength={5000}
            value={values.description}
            onChange={(e) => set('description', e.target.value)}
          />
        )}
      </Field>
      <div className={`field${errors.allowBackorder ? ' field-invalid' : ''}`}>
        <label className="checkbox">
          <input
            type="checkbox"
            name="allowBackorder"
            checked={values.allowBackorder}
            onChange={(e) => set('allowBackorder', e.target.checked)}
          />
          Allow backorders (stock may go below zero)
        </label>
        {errors.allowBackorder ? <small className="field-error">{errors.allowBackorder}</small> : null}
      </div>
      <fieldset
        className={`attributes${errors.attributes ? ' field-invalid' : ''}`}
        aria-describedby={errors.attributes ? 'attributes-error' : undefined}
      >
        <legend>Attributes</legend>
        {values.attributes.map((attr, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
          <div className="attribute-row" key={i}>
            <input
              aria-label={`Attribute ${i + 1} name`}
              placeholder="Name (e.g. colour)"
              value={attr.key}
              onChange={(e) =>
                set(
                  'attributes',
                  values.attributes.map((a, j) => (j === i ? { ...a, key: e.target.value } : a)),
                )
              }
            />
            <input
              aria-label={`Attribute ${i + 1} value`}
              placeholder="Value"
              value={attr.value}
              onChange={(e) =>
                set(
                  'attributes',
                  values.attributes.map((a, j) => (j === i ? { ...a, value: e.target.value } : a)),
                )
              }
            />
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove attribute ${attr.key || i + 1}`}
              title="Remove attribute"
              onClick={() =>
                set(
                  'attributes',
                  values.attributes.filter((_, j) => j !== i),
                )
              }
            >
              <Icon name="close" />
            </button>
          </div>
        ))}
        <button
          type="button"
          className="button button-secondary"
          onClick={() => set('attributes', [...values.attributes, { key: '', value: '' }])}
        >
          <Icon name="plus" /> Add attribute
        </button>
        {errors.attributes ? (
          <small id="attributes-error" className="field-error">
            {errors.attributes}
          </small>
        ) : null}
      </fieldset>
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : creating ? 'Create product' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}

/** The fields of `next` that differ from `product` (a PATCH sends only those). */
export function changedFields(product: Product, next: ProductInput): Partial<ProductInput> {
  const out: Partial<ProductInput> = {};
  for (const key of Object.keys(next) as (keyof ProductInput)[]) {
    if (key === 'sku') continue;
    if (JSON.stringify(next[key]) !== JSON.stringify(product[key])) Object.assign(out, { [key]: next[key] });
  }
  return out;
}
