import type { Role } from '../../../lib/permissions.ts';
import type { Alert } from '../contract.ts';

/**
 * The notifications domain's vocabulary and the ports between its two halves:
 * - **alerting** (`alerting.ts`, store `alert-store.ts`): events → projections (products, users,
 *   incoming purchase orders) and episodes → at most one {@link Alert} per dedupe key;
 * - **delivery** (`delivery.ts`, `preferences.ts`, store `delivery-store.ts`): an alert → who
 *   receives it over which channel (three levels of preference), one delivery record per
 *   person and channel written before anything is sent, the in-app inbox, sending, digests.
 * Nothing here knows DynamoDB, SES or SNS.
 */

/** A person who may receive alerts: the notifications service's projection of identity's UserChanged. */
export interface Recipient {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  phone?: string;
  status: 'active' | 'disabled';
  version: number;
}

/** Where delivery finds the people (alerting keeps the projection). */
export interface RecipientDirectory {
  /** Every active user. */
  activeRecipients(): Promise<Recipient[]>;
  get(id: string): Promise<Recipient | undefined>;
}

/**
 * Where alerting hands each alert, once it is stored. Must be idempotent: the same alert (same
 * id) handed twice — a redelivered event, a retry after a crash — writes and sends nothing more.
 * An alert that resolves (`status: 'resolved'`) is handed again so the in-app copy shows it.
 */
export interface AlertSink {
  deliver(alert: Alert): Promise<void>;
}

/** Context of a change: for logs and for event ids derived from it. */
export interface Context {
  correlationId: string;
  /** ISO time the triggering event occurred (the clock of the domain; never `new Date()` inside). */
  occurredAt: string;
}
