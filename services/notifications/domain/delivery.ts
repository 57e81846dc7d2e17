import { createHash } from 'node:crypto';
import { NotFoundError, TransientError } from '../../../lib/errors.ts';
import type {
  Alert,
  AlertList,
  AlertType,
  Channel,
  DeliveryStatus,
  Delivery as DeliveryView,
  InboxAlert,
  NotificationDefaults,
  PreferencesView,
  UserPreferences,
} from '../contract.ts';
import type { AlertSink, Recipient, RecipientDirectory } from './model.ts';
import { channelsFor, effective, nextDigestAt, quietUntil, resolveDefaults } from './preferences.ts';

// ------------------------------------------------------------------------------ ports (senders: part C2)

export interface RenderedMessage {
  subject?: string;
  html?: string;
  text: string;
}
export interface MessageRenderer {
  alertEmail(alert: Alert, recipient: Recipient, dashboardUrl: string): Promise<RenderedMessage>;
  digestEmail(alerts: Alert[], recipient: Recipient, dashboardUrl: string): Promise<RenderedMessage>;
  sms(alert: Alert, dashboardUrl: string): RenderedMessage; // text ≤ 160 chars
}
export interface EmailSender {
  send(input: {
    to: string;
    subject: string;
    html: string;
    text: string;
    deliveryId: string;
  }): Promise<{ messageId: string }>;
}
export interface SmsSender {
  send(input: { phone: string; text: string; deliveryId: string }): Promise<{ messageId: string }>;
}
/** SES feedback (bounce/complaint) → the delivery and the address. */
export interface DeliveryFeedback {
  recordFeedback(input: {
    deliveryId?: string;
    address: string;
    kind: 'bounced' | 'complained';
    permanent: boolean;
    at: string;
    detail: string;
  }): Promise<void>;
}

// ------------------------------------------------------------------------------ records and stores

export type Attempt = DeliveryView['attempts'][number];

/** A delivery as stored: the contract's view plus what sending needs (snapshots of the alert and the person). */
export interface DeliveryRecord extends DeliveryView {
  alert?: Alert;
  /** A digest's alerts. */
  alerts?: Alert[];
  person: Recipient;
}

export const toDeliveryView = (record: DeliveryRecord): DeliveryView => {
  const { alert: _alert, alerts: _alerts, person: _person, ...view } = record;
  return view;
};

export interface DeliveryStore extends DeliveryFeedback {
  /** Writes each record unless one with its id exists; returns what is stored (new or existing). */
  createDeliveries(records: DeliveryRecord[]): Promise<DeliveryRecord[]>;
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /** Appends the attempt and applies the change. */
  recordAttempt(
    id: string,
    attempt: Attempt,
    change: { status: DeliveryStatus; sentAt?: string; subject?: string; reason?: string },
  ): Promise<void>;
  /**
   * Claims a pending (or failed) delivery for one send until `until`, unless another send holds
   * an unexpired claim; false then. Recording the attempt releases the claim.
   */
  claim(id: string, now: string, until: string): Promise<boolean>;
  /** Sets the status when the record's status is one of `from`; false otherwise (or when absent). */
  changeStatus(
    id: string,
    from: DeliveryStatus[],
    change: { status: DeliveryStatus; reason?: string; sentAt?: string; keepWaiting?: boolean },
  ): Promise<boolean>;
  /** Held, digested and released-but-not-yet-queued deliveries whose releaseAt <= now (gsi2). */
  waiting(now: string): Promise<DeliveryRecord[]>;
  /** Takes a queued delivery off the waiting index. */
  leaveWaiting(id: string): Promise<void>;
  /** Addresses suppressed (bounced for good, complained), with the reason. */
  suppressions(addresses: string[]): Promise<Map<string, string>>;
  defaults(): Promise<Partial<NotificationDefaults['types']>>;
  putDefaults(types: NotificationDefaults['types'], at: string): Promise<void>;
  preferences(userId: string): Promise<{ preferences: UserPreferences; updatedAt: string } | undefined>;
  preferencesOf(userIds: string[]): Promise<Map<string, UserPreferences>>;
  putPreferences(userId: string, preferences: UserPreferences, at: string): Promise<void>;
  /** The delivery log, newest first (gsi1 `DELIVERIES`, sorted `<createdAt>#<id>`), filtered. */
  listDeliveries(query: DeliveryLogQuery): Promise<{ items: DeliveryView[]; nextCursor?: string }>;
}

export interface DeliveryLogQuery {
  channel?: Channel;
  type?: AlertType;
  sku?: string;
  status?: DeliveryStatus;
  /** 1..100. */
  limit: number;
  /** Opaque, from a previous page's nextCursor (a malformed one is a ValidationError naming `cursor`). */
  cursor?: string;
}

export interface InboxPage {
  items: InboxAlert[];
  unread: number;
  nextCursor?: string;
}
export interface InboxStore {
  /** Adds the alert to the user's inbox, unread, once (a repeat does nothing). */
  addToInbox(userId: string, alert: Alert): Promise<void>;
  /** Replaces the alert's copy in the user's inbox if it is there (e.g. resolved); keeps read state. */
  updateInboxAlert(userId: string, alert: Alert): Promise<void>;
  inbox(userId: string, query: { limit: number; cursor?: string; unread?: boolean }): Promise<InboxPage>;
  /** Marks one alert read (idempotent); undefined when it is not in the user's inbox. */
  markRead(userId: string, alert: Alert, at: string): Promise<InboxAlert | undefined>;
  markAllRead(userId: string, at: string): Promise<number>;
}

/** Where pending email/SMS deliveries go to be sent (`notifications-send`). */
export interface SendQueue {
  enqueue(deliveryIds: string[]): Promise<void>;
}

/** Where the rendered content is kept for the log (`notifications-content`). */
export interface ContentStore {
  put(deliveryId: string, content: RenderedMessage): Promise<void>;
  get(deliveryId: string): Promise<RenderedMessage | undefined>;
}

// ------------------------------------------------------------------------------ ids

const hash26 = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 26);
/** `dl_` + 26 hex of sha-256(`alertId#userId#channel`). */
export const deliveryIdOf = (alertId: string, userId: string, channel: Channel): string =>
  `dl_${hash26(`${alertId}#${userId}#${channel}`)}`;
export const digestIdOf = (userId: string, releaseAt: string): string =>
  `dl_${hash26(`DIGEST#${userId}#${releaseAt}`)}`;

// ------------------------------------------------------------------------------ delivery

export interface DeliveryOptions {
  dashboardUrl: () => string;
  /** A delivery failed for good (last receive, or a render failure). */
  onFailed?: (record: DeliveryRecord, error: string) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;
}

export interface SendAttemptContext {
  now: string;
  /** SQS ApproximateReceiveCount of this message. */
  receiveCount: number;
  /** The queue's maxReceiveCount: the receive after which SQS moves the message to the DLQ. */
  maxReceiveCount: number;
}

/** How long a send holds its claim on a delivery: longer than the send function's 20 s timeout. */
const CLAIM_SECONDS = 25;

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * An alert → one delivery per person and channel, written before anything is sent; then sending
 * (one delivery per queue message), the flush of held and digested ones, and SES's feedback.
 */
export class Delivery implements AlertSink, DeliveryFeedback {
  constructor(
    private readonly store: DeliveryStore,
    private readonly inboxStore: InboxStore,
    private readonly people: RecipientDirectory,
    private readonly queue: SendQueue,
    private readonly channels: {
      renderer: MessageRenderer;
      email: EmailSender;
      sms: SmsSender;
      content: ContentStore;
    },
    private readonly options: DeliveryOptions,
  ) {}

  private log(level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) {
    this.options.log?.(level, message, details);
  }

  /** Idempotent: the same alert handed twice writes nothing more and re-queues only what is still pending. */
  async deliver(alert: Alert): Promise<void> {
    const people = await this.people.activeRecipients();
    if (alert.status === 'resolved') {
      // Only the in-app copy shows it; nothing is sent.
      for (const person of people) await this.inboxStore.updateInboxAlert(person.id, alert);
      return;
    }
    const now = alert.raisedAt;
    const [stored, prefs] = await Promise.all([
      this.store.defaults(),
      this.store.preferencesOf(people.map((p) => p.id)),
    ]);
    const defaults = resolveDefaults(stored);
    const suppressed = await this.store.suppressions(people.map((p) => p.email));
    const records: DeliveryRecord[] = [];
    for (const person of people) {
      const plan = channelsFor(alert, person, prefs.get(person.id), defaults);
      for (const channel of plan.deliver) {
        const base = {
          id: deliveryIdOf(alert.id, person.id, channel),
          alertId: alert.id,
          alertType: alert.type,
          ...(alert.sku ? { sku: alert.sku } : {}),
          userId: person.id,
          channel,
          attempts: [],
          createdAt: now,
          alert,
          person,
        };
        if (channel === 'inApp') {
          records.push({ ...base, recipient: person.id, status: 'sent', sentAt: now });
          continue;
        }
        const recipient = channel === 'email' ? person.email : person.phone!;
        const suppression = channel === 'email' ? suppressed.get(person.email.toLowerCase()) : undefined;
        if (suppression) {
          records.push({ ...base, recipient, status: 'suppressed', reason: suppression });
          continue;
        }
        const quiet = plan.critical || !plan.quietHours ? undefined : quietUntil(plan.quietHours, now);
        if (channel === 'email' && !plan.critical && plan.digest) {
          const releaseAt = nextDigestAt(plan.digest, now);
          records.push({
            ...base,
            recipient,
            status: 'digest',
            releaseAt,
            reason: 'waits for the daily digest',
          });
        } else if (quiet) {
          records.push({ ...base, recipient, status: 'held', releaseAt: quiet, reason: 'quiet hours' });
        } else {
          records.push({ ...base, recipient, status: 'pending' });
        }
      }
    }
    // Every record is written before anything is sent: a crash after this sends at most once per record.
    const written = await this.store.createDeliveries(records);
    for (const record of written) {
      if (record.channel === 'inApp') await this.inboxStore.addToInbox(record.userId, alert);
    }
    const pending = written.filter((r) => r.channel !== 'inApp' && r.status === 'pending').map((r) => r.id);
    if (pending.length > 0) await this.queue.enqueue(pending);
  }

  /**
   * Sends one delivery. `sent` (or held, digested, suppressed…): nothing to do. A render failure
   * will not get better: it is recorded and the delivery fails at once, without a retry. A
   * provider error is recorded and thrown (SQS retries after the visibility timeout); on the last
   * receive the delivery is marked `failed` first.
   */
  async send(deliveryId: string, context: SendAttemptContext): Promise<void> {
    const record = await this.store.getDelivery(deliveryId);
    if (!record) {
      this.log('warn', 'no such delivery: nothing to send', { deliveryId });
      return;
    }
    if (record.status !== 'pending' && record.status !== 'failed') return;
    if (record.channel === 'inApp') return;
    const { now } = context;
    if (record.channel === 'email') {
      const reason = (await this.store.suppressions([record.recipient])).get(record.recipient.toLowerCase());
      if (reason) {
        await this.store.changeStatus(record.id, ['pending', 'failed'], { status: 'suppressed', reason });
        return;
      }
    }
    // One send at a time: a copy of this message received by another consumer waits its turn (and
    // then finds it sent). The claim outlives a send's timeout, so a crashed sender's passes.
    const until = new Date(Date.parse(now) + CLAIM_SECONDS * 1000).toISOString();
    if (!(await this.store.claim(record.id, now, until)))
      throw new TransientError(`delivery ${record.id} is being sent by another consumer; retried later`);
    let content: RenderedMessage;
    try {
      content = await this.render(record);
    } catch (error) {
      const message = `render failed: ${errorText(error)}`;
      await this.store.recordAttempt(
        record.id,
        { at: now, outcome: 'error', error: message },
        { status: 'failed', reason: 'could not be rendered; not retried (it would fail the same way)' },
      );
      this.options.onFailed?.(record, message);
      return;
    }
    try {
      await this.channels.content.put(record.id, content);
    } catch (error) {
      // The log's content view misses it; the person still gets the message.
      this.log('warn', 'could not store the rendered content; sending anyway', {
        deliveryId: record.id,
        error: errorText(error),
      });
    }
    try {
      const { messageId } =
        record.channel === 'email'
          ? await this.channels.email.send({
              to: record.recipient,
              subject: content.subject ?? 'Azura Inventory',
              html: content.html ?? `<pre>${escapeHtml(content.text)}</pre>`,
              text: content.text,
              deliveryId: record.id,
            })
          : await this.channels.sms.send({
              phone: record.recipient,
              text: content.text,
              deliveryId: record.id,
            });
      await this.store.recordAttempt(
        record.id,
        { at: now, outcome: 'sent', providerMessageId: messageId },
        { status: 'sent', sentAt: now, ...(content.subject ? { subject: content.subject } : {}) },
      );
    } catch (error) {
      const message = errorText(error);
      const last = context.receiveCount >= context.maxReceiveCount;
      await this.store.recordAttempt(
        record.id,
        { at: now, outcome: 'error', error: message },
        last
          ? {
              status: 'failed',
              reason: `every attempt failed (${context.receiveCount}); the message is in the DLQ`,
            }
          : { status: 'pending' },
      );
      if (last) this.options.onFailed?.(record, message);
      throw error;
    }
  }

  private async render(record: DeliveryRecord): Promise<RenderedMessage> {
    const url = this.options.dashboardUrl();
    if (record.alerts) return this.channels.renderer.digestEmail(record.alerts, record.person, url);
    if (!record.alert) throw new Error('the delivery has no alert to render');
    if (record.channel === 'sms') return this.channels.renderer.sms(record.alert, url);
    return this.channels.renderer.alertEmail(record.alert, record.person, url);
  }

  /**
   * Releases what waited until `now`: held deliveries go out, digested ones are grouped per person
   * and release time into one digest email. Idempotent: a re-run (or a crash half way) finds what
   * is left on the waiting index and finishes it; queueing takes a delivery off the index last.
   */
  async flush(now: string): Promise<{ released: number; digests: number }> {
    const waiting = await this.store.waiting(now);
    const toQueue: string[] = [];
    let digests = 0;
    const groups = new Map<string, DeliveryRecord[]>();
    for (const record of waiting) {
      if (record.status === 'held') {
        if (await this.store.changeStatus(record.id, ['held'], { status: 'pending', keepWaiting: true }))
          toQueue.push(record.id);
      } else if (record.status === 'digest') {
        const key = `${record.userId}#${record.releaseAt}`;
        groups.set(key, [...(groups.get(key) ?? []), record]);
      } else if (record.status === 'pending') {
        toQueue.push(record.id);
      } else {
        await this.store.leaveWaiting(record.id);
      }
    }
    for (const members of groups.values()) {
      const first = members[0]!;
      const releaseAt = first.releaseAt!;
      const id = digestIdOf(first.userId, releaseAt);
      const alerts = members.map((m) => m.alert!).filter(Boolean);
      const [digest] = await this.store.createDeliveries([
        {
          id,
          alertIds: alerts.map((a) => a.id),
          userId: first.userId,
          recipient: first.recipient,
          channel: 'email',
          status: 'pending',
          attempts: [],
          createdAt: releaseAt,
          releaseAt,
          alerts,
          person: first.person,
        },
      ]);
      for (const member of members) {
        await this.store.changeStatus(member.id, ['digest'], {
          status: 'sent',
          sentAt: now,
          reason: `sent in digest ${id}`,
        });
      }
      digests++;
      if (digest?.status === 'pending') toQueue.push(id);
    }
    const unique = [...new Set(toQueue)];
    if (unique.length > 0) await this.queue.enqueue(unique);
    for (const id of unique) await this.store.leaveWaiting(id);
    return { released: unique.length, digests };
  }

  /** SES said an email bounced or drew a complaint: mark the delivery; a permanent bounce or a complaint suppresses the address. */
  recordFeedback(input: Parameters<DeliveryFeedback['recordFeedback']>[0]): Promise<void> {
    return this.store.recordFeedback(input);
  }
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// ------------------------------------------------------------------------------ the bell

export class Inbox {
  constructor(
    private readonly inbox: InboxStore,
    private readonly store: DeliveryStore,
  ) {}

  list(userId: string, query: { limit: number; cursor?: string; unread?: boolean }): Promise<AlertList> {
    return this.inbox.inbox(userId, query);
  }

  /** 404 unless the alert is in the caller's inbox (found through its in-app delivery). */
  async read(userId: string, alertId: string, now: string): Promise<InboxAlert> {
    const record = await this.store.getDelivery(deliveryIdOf(alertId, userId, 'inApp'));
    const item = record?.alert ? await this.inbox.markRead(userId, record.alert, now) : undefined;
    if (!item) throw new NotFoundError(`alert ${alertId} is not in your alerts`);
    return item;
  }

  async readAll(userId: string, now: string): Promise<{ unread: number }> {
    return { unread: await this.inbox.markAllRead(userId, now) };
  }
}

// ------------------------------------------------------------------------------ preferences

export class NotificationPreferences {
  constructor(
    private readonly store: DeliveryStore,
    private readonly people: RecipientDirectory,
  ) {}

  private async person(userId: string, fallback?: Recipient): Promise<Recipient> {
    const person = (await this.people.get(userId)) ?? fallback;
    if (!person) throw new NotFoundError(`no user ${userId}`);
    return person;
  }

  /** The user's levels 2 and 3 and the effective view. `fallback`: the caller, when the directory does not know them yet. */
  async view(userId: string, fallback?: Recipient): Promise<PreferencesView> {
    const person = await this.person(userId, fallback);
    const [stored, defaults] = await Promise.all([this.store.preferences(userId), this.store.defaults()]);
    const preferences = stored?.preferences ?? { global: {}, types: {} };
    return {
      userId,
      preferences,
      effective: effective(person, preferences, resolveDefaults(defaults)),
      ...(stored ? { updatedAt: stored.updatedAt } : {}),
    };
  }

  async put(
    userId: string,
    preferences: UserPreferences,
    now: string,
    fallback?: Recipient,
  ): Promise<PreferencesView> {
    await this.person(userId, fallback);
    await this.store.putPreferences(userId, preferences, now);
    return this.view(userId, fallback);
  }

  async defaults(): Promise<NotificationDefaults> {
    return { types: resolveDefaults(await this.store.defaults()) };
  }

  async putDefaults(
    types: Partial<Record<AlertType, NotificationDefaults['types'][AlertType]>>,
    now: string,
  ) {
    const merged = resolveDefaults({ ...(await this.store.defaults()), ...types });
    await this.store.putDefaults(merged, now);
    return { types: merged };
  }
}
