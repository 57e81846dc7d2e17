import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { alerts } from '../api/endpoints.ts';
import type { AlertList, InboxAlert, Severity } from '../api/types.ts';
import {
  ALERTS_POLL_MS,
  alertsChanged,
  onAlertsChanged,
  relativeTime,
  SEVERITY_LABEL,
} from '../lib/alerts.ts';
import { formatDateTime } from '../lib/format.ts';
import { useResource } from '../lib/hooks.ts';
import { Icon } from './Icon.tsx';
import { useToast } from './Toasts.tsx';
import { LoadError, Loading } from './ui.tsx';

const SEVERITY_TONE: Record<Severity, string> = { critical: 'danger', warning: 'warning', info: 'info' };

/** The severity in words and colour (never colour alone). */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge badge-${SEVERITY_TONE[severity]} severity-${severity}`}>
      {SEVERITY_LABEL[severity]}
    </span>
  );
}

/** One alert as the bell and the alerts page show it: a link to the page to act on. */
export function AlertLink({ alert, onOpen }: { alert: InboxAlert; onOpen(alert: InboxAlert): void }) {
  const resolved = alert.status === 'resolved';
  return (
    <Link to={alert.link} className="alert-link" onClick={() => onOpen(alert)}>
      <span className="alert-head">
        {alert.read ? null : <span className="alert-dot" aria-hidden="true" />}
        <SeverityBadge severity={alert.severity} />
        {resolved ? <span className="badge badge-muted">Resolved</span> : null}
        <span className="alert-title">{alert.title}</span>
      </span>
      <span className="alert-summary">{alert.summary}</span>
      <span className="alert-meta">
        <time dateTime={alert.raisedAt} title={formatDateTime(alert.raisedAt)}>
          {relativeTime(alert.raisedAt)}
        </time>
        {resolved && alert.resolvedAt ? ` · resolved ${relativeTime(alert.resolvedAt)}` : ''}
        {alert.read ? null : <span className="sr-only"> · unread</span>}
      </span>
    </Link>
  );
}

/** The list with one alert marked read locally (the bell and the page update at once). */
export function markedRead(list: AlertList | undefined, id: string): AlertList | undefined {
  if (!list) return list;
  const was = list.items.find((a) => a.id === id);
  const counted = was && !was.read ? 1 : 0;
  return {
    ...list,
    unread: Math.max(0, list.unread - counted),
    items: list.items.map((a) => (a.id === id ? { ...a, read: true, readAt: new Date().toISOString() } : a)),
  };
}

export const bellLabel = (unread: number) =>
  unread > 0 ? `Alerts, ${unread} unread` : 'Alerts, none unread';

/**
 * The bell in the header: the unread count (polled every 10 s while the tab is visible, and on
 * window focus) and a panel of the 10 newest alerts. New alerts are announced politely.
 */
export function AlertsBell() {
  const toast = useToast();
  const feed = useResource(() => alerts.list({ limit: 10 }), [], { pollMs: ALERTS_POLL_MS });
  const [open, setOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const seen = useRef<Set<string> | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const { reload, setData } = feed;

  // Back to the tab or a change elsewhere (the alerts page): refresh now.
  useEffect(() => {
    const refresh = () => void reload();
    window.addEventListener('focus', refresh);
    const off = onAlertsChanged(refresh);
    return () => {
      window.removeEventListener('focus', refresh);
      off();
    };
  }, [reload]);

  // Alerts not seen before (after the first load) are announced.
  useEffect(() => {
    const items = feed.data?.items;
    if (!items) return;
    const known = seen.current;
    seen.current = new Set([...(known ?? []), ...items.map((a) => a.id)]);
    if (!known) return;
    const fresh = items.filter((a) => !known.has(a.id) && !a.read);
    const [first] = fresh;
    if (!first) return;
    setAnnouncement(
      fresh.length === 1
        ? `New alert: ${first.title}`
        : `${fresh.length} new alerts, the latest: ${first.title}`,
    );
  }, [feed.data]);

  const close = useCallback((returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  }, []);

  useEffect(() => {
    if (!open) return;
    const panel = panelRef.current;
    const first = panel?.querySelector<HTMLElement>('a[href], button:not([disabled])');
    (first ?? panel)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close(true);
    };
    const onPointer = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!panelRef.current?.contains(target) && !buttonRef.current?.contains(target)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onPointer);
    };
  }, [open, close]);

  const toggle = () => {
    if (!open) void reload();
    setOpen((o) => !o);
  };

  const openAlert = (alert: InboxAlert) => {
    setOpen(false);
    if (alert.read) return;
    setData((list) => markedRead(list, alert.id));
    alerts
      .markRead(alert.id)
      .then(() => alertsChanged())
      .catch((e: unknown) => {
        toast.error(e);
        void reload();
      });
  };

  const markAll = async () => {
    try {
      const { unread } = await alerts.markAllRead();
      setData((list) => list && { ...list, unread, items: list.items.map((a) => ({ ...a, read: true })) });
      toast.success('All alerts marked read');
      alertsChanged();
    } catch (e) {
      toast.error(e);
    }
  };

  const unread = feed.data?.unread ?? 0;
  const items = feed.data?.items ?? [];
  const label = bellLabel(unread);

  return (
    <div className="alerts-bell">
      <button
        ref={buttonRef}
        type="button"
        className="icon-button bell-button"
        aria-label={label}
        title={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? 'alerts-panel' : undefined}
        onClick={toggle}
      >
        <Icon name="bell" />
        {unread > 0 ? (
          <span className="bell-badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      <div className="sr-only" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      {open ? (
        <div
          id="alerts-panel"
          className="alerts-panel"
          role="dialog"
          aria-labelledby={titleId}
          tabIndex={-1}
          ref={panelRef}
          onBlur={(event) => {
            const next = event.relatedTarget as Node | null;
            if (next && !panelRef.current?.contains(next) && !buttonRef.current?.contains(next)) close(false);
          }}
        >
          <div className="alerts-panel-header">
            <h2 id={titleId}>Alerts</h2>
            <button
              type="button"
              className="link-button"
              disabled={unread === 0}
              onClick={() => void markAll()}
            >
              Mark all read
            </button>
          </div>
          {feed.error && !feed.data ? <LoadError error={feed.error} retry={() => void reload()} /> : null}
          {feed.loading && !feed.data ? <Loading label="Loading alerts…" /> : null}
          {feed.data && items.length === 0 ? <p className="muted alerts-empty">No alerts.</p> : null}
          {items.length ? (
            <ul className="alert-list" aria-label="Newest alerts">
              {items.map((a) => (
                <li
                  key={a.id}
                  className={`alert-item${a.read ? '' : ' alert-unread'}${a.status === 'resolved' ? ' alert-resolved' : ''}`}
                >
                  <AlertLink alert={a} onOpen={openAlert} />
                </li>
              ))}
            </ul>
          ) : null}
          <div className="alerts-panel-footer">
            <Link to="/alerts" onClick={() => setOpen(false)}>
              See all alerts
            </Link>
          </div>
        </div>
      ) : null}
    </div>
  );
}
