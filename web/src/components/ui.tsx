import { type ReactNode, useEffect, useId, useRef } from 'react';
import { ApiError } from '../api/client.ts';
import type { OrderStatus } from '../api/types.ts';
import { humanize, STOCK_STATUS_LABEL, type StockStatus } from '../lib/format.ts';
import { Icon, type IconName } from './Icon.tsx';
import { messageOf } from './Toasts.tsx';

export function StockBadge({ status }: { status: StockStatus }) {
  return <span className={`badge badge-stock-${status}`}>{STOCK_STATUS_LABEL[status]}</span>;
}

/** A level with less on hand than is reserved: red, and said in words (not colour alone). */
export function ShortfallBadge({ units }: { units: number }) {
  return (
    <span
      className="badge badge-danger badge-gap"
      title={`${units} reserved ${units === 1 ? 'unit is' : 'units are'} not on hand: some orders may fail to commit`}
    >
      Short by {units}
    </span>
  );
}

const ORDER_TONE: Record<OrderStatus, string> = {
  PENDING: 'warning',
  RESERVED: 'info',
  FULFILLED: 'success',
  REJECTED: 'danger',
  CANCELLED: 'muted',
  EXPIRED: 'muted',
};

export function OrderBadge({ status }: { status: OrderStatus }) {
  return (
    <span className={`badge badge-${ORDER_TONE[status] ?? 'muted'}`}>{humanize(status.toLowerCase())}</span>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/** An inline error for a failed load, with a retry. 401/403 are handled globally. */
export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div className="callout callout-error" role="alert">
      <Icon name="alert" />
      <span>{notFound ? 'Not found.' : messageOf(error)}</span>
      {retry && !notFound ? (
        <button type="button" className="button button-secondary" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A modal dialog: focus moves in on open, Escape or the close button closes, focus returns after. */
export function Modal({
  title,
  onClose,
  children,
  footer,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>(
      'input, select, textarea, button:not(.modal-close)',
    );
    (first ?? ref.current)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onCloseRef.current();
      if (event.key === 'Tab' && ref.current) trapFocus(event, ref.current);
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      opener?.focus?.();
    };
  }, []);

  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        ref={ref}
        tabIndex={-1}
      >
        <div className="modal-header">
          <h2 id={titleId}>{title}</h2>
          <button
            type="button"
            className="icon-button modal-close"
            onClick={onClose}
            aria-label="Close dialog"
            title="Close dialog"
          >
            <Icon name="close" />
          </button>
        </div>
        <div className="modal-body">{children}</div>
        {footer ? <div className="modal-footer">{footer}</div> : null}
      </div>
    </div>
  );
}

function trapFocus(event: KeyboardEvent, container: HTMLElement) {
  const focusable = Array.from(
    container.querySelectorAll<HTMLElement>(
      'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex="0"]',
    ),
  );
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/** A labelled form field with its error message right below, tied by aria-describedby. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-invalid': Boolean(error),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint ? (
        <small id={hintId} className="field-hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={errorId} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

export function Stat({
  label,
  value,
  tone,
  children,
}: {
  label: string;
  value: ReactNode;
  tone?: string;
  children?: ReactNode;
}) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {children}
    </div>
  );
}

/** A button that is only an icon: its label names it to screen readers and shows as its tooltip. */
export function IconButton({
  icon,
  label,
  onClick,
  danger = false,
}: {
  icon: IconName;
  label: string;
  onClick(): void;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      className={`icon-button${danger ? ' icon-button-danger' : ''}`}
      aria-label={label}
      title={label}
      onClick={onClick}
    >
      <Icon name={icon} />
    </button>
  );
}
