import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { alerts } from '../api/endpoints.ts';
import type { AlertList, InboxAlert, Page } from '../api/types.ts';
import { AlertLink } from '../components/Alerts.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { useToast } from '../components/Toasts.tsx';
import { PageHeader } from '../components/ui.tsx';
import { ALERTS_POLL_MS, alertsChanged, onAlertsChanged } from '../lib/alerts.ts';
import { formatNumber } from '../lib/format.ts';
import { usePagedList, useTitle } from '../lib/hooks.ts';

const PAGE_SIZE = 25;

/** /alerts: every alert of the caller, newest first, with paging and an unread-only filter. */
export default function Alerts() {
  useTitle('Alerts');
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get('unread') === '1';
  // Marked read here (shown read at once, whatever page of the list they are on): these ids, and
  // with "Mark all read" every alert raised up to the newest one then listed.
  const [readHere, setReadHere] = useState<{ ids: Set<string>; upTo: string | null }>({
    ids: new Set(),
    upTo: null,
  });
  const list = usePagedList<InboxAlert>(
    (cursor) =>
      alerts.list({
        ...(unreadOnly ? { unread: true } : {}),
        limit: PAGE_SIZE,
        ...(cursor ? { cursor } : {}),
      }),
    unreadOnly ? 'unread' : 'all',
    (a) => a.id,
    { pollMs: ALERTS_POLL_MS },
  );
  const { reload } = list.first;

  // The bell marked one read or all: reload.
  useEffect(() => onAlertsChanged(() => void reload()), [reload]);

  const first = list.first.data as (Page<InboxAlert> & Partial<AlertList>) | undefined;
  const isRead = (a: InboxAlert) =>
    a.read || readHere.ids.has(a.id) || (readHere.upTo !== null && a.raisedAt <= readHere.upTo);
  const localReads = list.items.filter((a) => !a.read && isRead(a)).length;
  const unread = first?.unread === undefined ? undefined : Math.max(0, first.unread - localReads);

  const markRead = async (alert: InboxAlert) => {
    if (isRead(alert)) return;
    setReadHere((r) => ({ ...r, ids: new Set([...r.ids, alert.id]) }));
    try {
      await alerts.markRead(alert.id);
      alertsChanged();
    } catch (e) {
      setReadHere((r) => ({ ...r, ids: new Set([...r.ids].filter((id) => id !== alert.id)) }));
      toast.error(e);
    }
  };

  const markAll = async () => {
    try {
      await alerts.markAllRead();
      const raised = list.items.map((a) => a.raisedAt);
      setReadHere((r) => ({ ...r, upTo: [...raised, r.upTo ?? ''].sort().at(-1) ?? null }));
      toast.success('All alerts marked read');
      alertsChanged();
    } catch (e) {
      toast.error(e);
    }
  };

  return (
    <div className="alerts-page">
      <PageHeader title="Alerts">
        <button
          type="button"
          className="button button-secondary"
          disabled={unread === 0}
          onClick={() => void markAll()}
        >
          Mark all read
        </button>
      </PageHeader>
      <div className="filters">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => setParams(e.target.checked ? { unread: '1' } : {}, { replace: true })}
          />
          Unread only
        </label>
        {unread !== undefined ? (
          <p className="result-count" aria-live="polite">
            {unread === 0 ? 'No unread alerts' : `${formatNumber(unread)} unread`}
          </p>
        ) : null}
      </div>
      <PagedList list={list} loadingLabel="Loading alerts…" moreLabel="Older alerts">
        {(items) =>
          items.length === 0 ? (
            <p className="empty">{unreadOnly ? 'No unread alerts.' : 'No alerts yet.'}</p>
          ) : (
            <ul className="alert-list" aria-label="Alerts, newest first">
              {items.map((raw) => {
                const a = { ...raw, read: isRead(raw) };
                return (
                  <li
                    key={a.id}
                    className={`alert-item${a.read ? '' : ' alert-unread'}${a.status === 'resolved' ? ' alert-resolved' : ''}`}
                  >
                    <AlertLink alert={a} onOpen={(opened) => void markRead(opened)} />
                    {a.read ? null : (
                      <button
                        type="button"
                        className="button button-secondary"
                        aria-label={`Mark read: ${a.title}`}
                        onClick={() => void markRead(a)}
                      >
                        Mark read
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )
        }
      </PagedList>
    </div>
  );
}
