import { type ReactNode, useId } from 'react';
import type { SagaStep } from '../api/types.ts';
import { formatDateTime, humanize } from '../lib/format.ts';
import { Icon } from './Icon.tsx';

/** The steps of a saga (an order's, a purchase order's) as the workflow ran them, retries included. */

const STEP_ICON = { succeeded: 'check', failed: 'close', running: 'refresh' } as const;

export function Timeline({ steps }: { steps: SagaStep[] }) {
  return (
    <ol className="timeline">
      {steps.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a step may run twice (retries)
        <li key={`${s.step}-${i}`} className={`timeline-step timeline-${s.status}`}>
          <span className="timeline-marker">
            <Icon name={STEP_ICON[s.status]} size={14} />
          </span>
          <div>
            <strong>{humanize(s.step.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())}</strong>{' '}
            <span
              className={`badge badge-${s.status === 'succeeded' ? 'success' : s.status === 'failed' ? 'danger' : 'info'}`}
            >
              {humanize(s.status)}
            </span>
            <div className="muted">
              <time dateTime={s.startedAt}>{formatDateTime(s.startedAt)}</time>
              {s.endedAt ? (
                <>
                  {' → '}
                  <time dateTime={s.endedAt}>{formatDateTime(s.endedAt)}</time>
                </>
              ) : null}
              {s.attempts && s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}
            </div>
            {s.error ? <p className="text-danger">{s.error}</p> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The "Saga timeline" card of a detail page. */
export function SagaTimeline({ steps }: { steps: SagaStep[] }) {
  const titleId = useId();
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>Saga timeline</h2>
      {steps.length === 0 ? <p className="muted">No steps recorded yet.</p> : <Timeline steps={steps} />}
    </section>
  );
}

/**
 * The "Status history" card: each status with when it was reached, the badge drawn by the page
 * (an order's, a purchase order's), and optionally who and why.
 */
export function StatusHistory<E extends { status: string; at: string }>({
  entries,
  badge,
  detail,
}: {
  entries: readonly E[];
  badge(status: E['status']): ReactNode;
  detail?(entry: E): ReactNode;
}) {
  const titleId = useId();
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>Status history</h2>
      <ol className="history">
        {entries.map((h, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a status may repeat (partial receipts)
          <li key={`${h.status}-${h.at}-${i}`}>
            {badge(h.status)} <time dateTime={h.at}>{formatDateTime(h.at)}</time>
            {detail ? detail(h) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
