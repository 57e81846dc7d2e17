import { ConflictError, NotFoundError, TransientError } from '../../../lib/errors.ts';
import type { Envelope } from '../../../lib/events.ts';
import type { EventPublisher } from '../../../lib/publisher.ts';
import { type SagaHistoryEvent, type SagaStep, timelineOf } from '../../../lib/saga-timeline.ts';
import {
  type InboundOrderMessage,
  type ListOrdersQuery,
  OrderCompleted,
  OrderRejected,
  OrderReleased,
  OrderReserved,
  type OrderStatus,
} from '../contract.ts';
import {
  isFinal,
  type MarkStatusInput,
  type Order,
  type OutcomeSignal,
  type PendingOutcome,
  type ReleaseReason,
  type SagaInput,
} from './model.ts';

/** Someone else wrote the order between our read and our conditional write. */
export class StaleOrderError extends ConflictError {}

/** The orders table, as the domain needs it. */
export interface OrderStore {
  get(orderId: string): Promise<Order | undefined>;
  /** Writes the whole order if its stored `rev` is still `expectedRev` (undefined: must not exist yet). */
  save(order: Order, expectedRev: number | undefined): Promise<void>;
  list(query: ListOrdersQuery): Promise<{ items: Order[]; nextCursor: string | null }>;
}

/** The order saga (Step Functions), as the domain needs it. */
export interface OrderSaga {
  /** The ARN the execution for this order has (or will have): its name is the order id. */
  executionArnOf(orderId: string): string;
  /** Starts the execution named after the order; a second start of the same order is a no-op. */
  start(input: SagaInput): Promise<void>;
  /** Resumes a waiting AwaitOutcome step. False when the token is no longer open (resumed or timed out). */
  signal(taskToken: string, output: OutcomeSignal): Promise<boolean>;
  /** The execution's event history; empty when there is no such execution. */
  history(executionArn: string): Promise<SagaHistoryEvent[]>;
}

export interface OrdersConfig {
  /**
   * Re-announces a finished order's outcome when the platform sends one of its messages again
   * (an at-least-once producer re-sends what it has not seen answered). Same event id as the
   * original, so the platform de-duplicates. Absent: duplicates are only ignored.
   */
  announcer?: EventPublisher;
  /** How long a reservation waits for the platform's Fulfilled/Cancelled (read at each placement). */
  holdSeconds: () => number;
  now?: () => Date;
  /** Attempts of a read-decide-write cycle that lost a race before giving up (TransientError). */
  maxAttempts?: number;
  log?: (message: string, details: Record<string, unknown>) => void;
}

/** Extra time stock holds a reservation beyond the saga's wait, so the saga releases it, not the sweeper. */
export const STOCK_HOLD_GRACE_SECONDS = 300;
export const MAX_HOLD_SECONDS = 7 * 24 * 3600;

/** What the detail API returns. */
export type OrderDetail = ReturnType<typeof summaryOf> & {
  history: Order['history'];
  shortfalls?: Order['shortfalls'];
  releaseReason?: ReleaseReason;
  executionArn?: string;
  timeline: SagaStep[];
};

function summaryOf(order: Order) {
  return {
    orderId: order.orderId,
    status: order.status as OrderStatus,
    lines: order.lines,
    ...(order.locationId ? { locationId: order.locationId } : {}),
    placedAt: order.placedAt as string,
    updatedAt: order.updatedAt,
  };
}

/** Event ids are deterministic (order id and type): a re-published event is recognisably the same. */
const eventMeta = (orderId: string, type: string, at: string) => ({
  id: `${orderId}:${type}`,
  correlationId: orderId,
  occurredAt: at,
});

/**
 * The orders domain: the order platform's messages (idempotent and order-insensitive) and the
 * saga's task steps on the orders side. Every change is read → decide → write conditioned on the
 * revision read; a lost race re-reads and decides again.
 */
export class Orders {
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly log: NonNullable<OrdersConfig['log']>;

  constructor(
    private readonly store: OrderStore,
    private readonly saga: OrderSaga,
    private readonly config: OrdersConfig,
  ) {
    this.now = config.now ?? (() => new Date());
    this.maxAttempts = config.maxAttempts ?? 20;
    this.log = config.log ?? (() => undefined);
  }

  /** One message of the order platform. */
  async handle(message: InboundOrderMessage): Promise<void> {
    if (message.type === 'OrderPlaced') return this.place(message);
    if (message.type === 'OrderFulfilled') {
      return this.settle(message.orderId, {
        outcome: 'FULFILLED',
        at: new Date(message.fulfilledAt).toISOString(),
      });
    }
    return this.settle(message.orderId, {
      outcome: 'CANCELLED',
      at: this.now().toISOString(),
      ...(message.reason ? { reason: message.reason } : {}),
    });
  }

  /**
   * OrderPlaced: records the order (a duplicate changes nothing) and starts its saga. If a cancel
   * came first, the order is recorded and ends CANCELLED at once: no saga, no stock held.
   */
  private async place(message: Extract<InboundOrderMessage, { type: 'OrderPlaced' }>): Promise<void> {
    let duplicate = false;
    const order = await this.mutate(message.orderId, (current) => {
      duplicate = Boolean(current?.placed);
      if (current?.placed) return undefined; // a duplicate: keep the first
      const at = this.now().toISOString();
      const cancelledFirst = current?.pendingOutcome?.outcome === 'CANCELLED';
      const placed: Order = {
        orderId: message.orderId,
        placed: true,
        status: 'PENDING',
        lines: message.lines.map(({ sku, quantity }) => ({ sku, quantity })),
        ...(message.locationId ? { locationId: message.locationId } : {}),
        placedAt: new Date(message.placedAt).toISOString(),
        updatedAt: at,
        history: [{ status: 'PENDING', at }],
        holdSeconds: Math.min(this.config.holdSeconds(), MAX_HOLD_SECONDS),
        ...(cancelledFirst ? {} : { executionArn: this.saga.executionArnOf(message.orderId) }),
        ...(current?.pendingOutcome ? { pendingOutcome: current.pendingOutcome } : {}),
        rev: current?.rev ?? 0,
        outbox: [],
      };
      if (!cancelledFirst) return placed;
      const reason = current?.pendingOutcome?.reason;
      return this.transition(placed, 'CANCELLED', at, {
        releaseReason: 'cancelled',
        event: OrderReleased.create(
          {
            orderId: placed.orderId,
            reason: 'cancelled',
            detail: `cancelled before it was placed${reason ? `: ${reason}` : ''}; no stock was held`,
          },
          eventMeta(placed.orderId, OrderReleased.type, at),
        ),
      });
    });
    // Also on a duplicate: the first delivery may have recorded the order and died before starting.
    if (order.status === 'PENDING' || order.status === 'RESERVED') await this.saga.start(sagaInputOf(order));
    else if (duplicate) await this.reannounce(order);
  }

  /** A finished order's outcome, published again with its original event id. */
  private async reannounce(order: Order): Promise<void> {
    if (!this.config.announcer || !isFinal(order.status) || !order.outbox.length) return;
    await this.config.announcer.publish(order.outbox);
    this.log('outcome re-announced', { orderId: order.orderId, status: order.status });
  }

  /**
   * OrderFulfilled / OrderCancelled. The first outcome recorded wins (later or conflicting ones
   * change nothing). If the saga already waits, it is resumed; otherwise AwaitOutcome finds the
   * outcome when it gets there. For an order not seen yet, a placeholder remembers the outcome.
   */
  private async settle(orderId: string, outcome: PendingOutcome): Promise<void> {
    const order = await this.mutate(orderId, (current) => {
      if (!current) {
        return {
          orderId,
          placed: false,
          lines: [],
          updatedAt: this.now().toISOString(),
          history: [],
          pendingOutcome: outcome,
          rev: 0,
          outbox: [],
        };
      }
      if (current.pendingOutcome || isFinal(current.status)) return undefined;
      return { ...current, pendingOutcome: outcome, updatedAt: this.now().toISOString() };
    });
    if (order.pendingOutcome?.outcome !== outcome.outcome || isFinal(order.status)) {
      this.log('outcome ignored', {
        orderId,
        outcome: outcome.outcome,
        status: order.status,
        recorded: order.pendingOutcome?.outcome,
      });
      await this.reannounce(order);
      return;
    }
    if (order.placed && order.taskToken) await this.resume(order.taskToken, order.pendingOutcome);
  }

  /** The saga's AwaitOutcome step: parks its task token on the order, or resumes at once if the outcome is known. */
  async awaitOutcome(orderId: string, taskToken: string): Promise<{ waiting: boolean }> {
    const order = await this.mutate(orderId, (current) => {
      if (!current?.placed) throw new NotFoundError(`Order ${orderId} does not exist`);
      if (current.status !== 'RESERVED') {
        throw new ConflictError(`Order ${orderId} is ${current.status}, not waiting for an outcome`);
      }
      if (current.taskToken === taskToken) return undefined;
      return { ...current, taskToken };
    });
    if (!order.pendingOutcome) return { waiting: true };
    await this.resume(taskToken, order.pendingOutcome);
    return { waiting: false };
  }

  private async resume(taskToken: string, outcome: PendingOutcome): Promise<void> {
    const signal: OutcomeSignal = {
      outcome: outcome.outcome,
      at: outcome.at,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
    const sent = await this.saga.signal(taskToken, signal);
    if (!sent) this.log('saga no longer waiting', { outcome: outcome.outcome });
  }

  /**
   * The saga's status steps: records the transition with its time and, in the same write, the
   * event the platform is told (outbox). Repeating a transition already made changes nothing;
   * a final status never changes.
   */
  async markStatus(input: MarkStatusInput): Promise<{ status: OrderStatus }> {
    const allowedFrom: OrderStatus[] = input.transition === 'FULFILLED' ? ['RESERVED'] : ['PENDING'];
    if (input.transition === 'RELEASED') allowedFrom.push('RESERVED');
    const order = await this.mutate(input.orderId, (current) => {
      if (!current?.placed) throw new NotFoundError(`Order ${input.orderId} does not exist`);
      const target = targetOf(input, current);
      if (current.status === target) return undefined;
      if (!current.status || !allowedFrom.includes(current.status)) {
        throw new ConflictError(`Order ${input.orderId} is ${current.status}; it cannot become ${target}`);
      }
      const at = this.now().toISOString();
      const id = (type: string) => eventMeta(current.orderId, type, at);
      switch (input.transition) {
        case 'RESERVED': {
          const expiresAt = new Date(Date.parse(at) + (current.holdSeconds ?? 0) * 1000).toISOString();
          return this.transition(current, 'RESERVED', at, {
            event: OrderReserved.create(
              { orderId: current.orderId, lines: current.lines, expiresAt },
              id(OrderReserved.type),
            ),
          });
        }
        case 'REJECTED': {
          const shortfalls = input.shortfalls.map(({ sku, requested, available, reason }) => ({
            sku,
            requested,
            available,
            reason,
          }));
          return this.transition(current, 'REJECTED', at, {
            shortfalls,
            event: OrderRejected.create({ orderId: current.orderId, shortfalls }, id(OrderRejected.type)),
          });
        }
        case 'FULFILLED': {
          const fulfilledAt =
            current.pendingOutcome?.outcome === 'FULFILLED' ? current.pendingOutcome.at : at;
          return this.transition(current, 'FULFILLED', at, {
            event: OrderCompleted.create(
              { orderId: current.orderId, lines: current.lines, fulfilledAt },
              id(OrderCompleted.type),
            ),
          });
        }
        case 'RELEASED': {
          const reason = releaseReasonOf(input, current);
          const shortfalls =
            reason === 'shortfall'
              ? (input.release.shortfalls ?? []).map(({ sku, requested, available }) => ({
                  sku,
                  requested,
                  available,
                  reason: 'stock_shortfall' as const,
                }))
              : undefined;
          const detail = releaseDetailOf(reason, input, current, shortfalls ?? []);
          return this.transition(current, target, at, {
            releaseReason: reason,
            ...(shortfalls ? { shortfalls } : {}),
            event: OrderReleased.create(
              {
                orderId: current.orderId,
                reason,
                ...(detail ? { detail } : {}),
                ...(shortfalls ? { shortfalls } : {}),
              },
              id(OrderReleased.type),
            ),
          });
        }
      }
    });
    return { status: order.status as OrderStatus };
  }

  async get(orderId: string): Promise<OrderDetail> {
    const order = await this.store.get(orderId);
    if (!order?.placed) throw new NotFoundError(`Order ${orderId} does not exist`);
    const timeline = order.executionArn ? timelineOf(await this.saga.history(order.executionArn)) : [];
    return {
      ...summaryOf(order),
      history: order.history,
      ...(order.shortfalls ? { shortfalls: order.shortfalls } : {}),
      ...(order.releaseReason ? { releaseReason: order.releaseReason } : {}),
      ...(order.executionArn ? { executionArn: order.executionArn } : {}),
      timeline,
    };
  }

  async list(query: ListOrdersQuery) {
    const page = await this.store.list(query);
    return { items: page.items.map(summaryOf), nextCursor: page.nextCursor };
  }

  /**
   * Starts the saga again of every order not in a final state (PENDING or RESERVED), with the
   * same input its placement used. Every step is idempotent: Reserve returns the reservation
   * already held, MarkReserved repeats nothing, AwaitOutcome parks the new token or resumes at
   * once with an outcome recorded meanwhile. An execution that still exists counts as started.
   * For a runtime whose executions do not survive a restart (the local one); returns how many.
   */
  async redriveOpenOrders(): Promise<number> {
    let started = 0;
    for (const status of ['PENDING', 'RESERVED'] as const) {
      let cursor: string | undefined;
      do {
        const page = await this.store.list({ status, limit: 100, ...(cursor ? { cursor } : {}) });
        const open = page.items.filter((order) => order.placed && order.status === status);
        await Promise.all(open.map((order) => this.saga.start(sagaInputOf(order))));
        started += open.length;
        if (open.length) this.log('sagas re-driven', { status, orders: open.length });
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return started;
  }

  // ---------------------------------------------------------------- internals

  private transition(
    order: Order,
    status: OrderStatus,
    at: string,
    change: {
      event: Envelope;
      shortfalls?: Order['shortfalls'];
      releaseReason?: ReleaseReason;
    },
  ): Order {
    const { event, ...fields } = change;
    const next: Order = {
      ...order,
      ...fields,
      status,
      updatedAt: at,
      history: [...order.history, { status, at }],
      outbox: [event],
    };
    if (isFinal(status)) delete next.taskToken;
    return next;
  }

  /**
   * Read → decide → conditional write, again on a lost race. `decide` returns the new order, or
   * undefined to leave it as it is; the order as it stands afterwards is returned.
   */
  private async mutate(
    orderId: string,
    decide: (current: Order | undefined) => Order | undefined,
  ): Promise<Order> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.store.get(orderId);
      const next = decide(current);
      if (!next) {
        if (!current) throw new Error(`decide left order ${orderId} absent`);
        return current;
      }
      const written = { ...next, rev: (current?.rev ?? 0) + 1 };
      try {
        await this.store.save(written, current?.rev);
        return written;
      } catch (error) {
        if (!(error instanceof StaleOrderError)) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** attempt)));
      }
    }
    throw new TransientError(`order ${orderId}: gave up after ${this.maxAttempts} contended writes`);
  }
}

/** The words the platform reads in OrderReleased's `detail`, by reason. */
function releaseDetailOf(
  reason: ReleaseReason,
  input: Extract<MarkStatusInput, { transition: 'RELEASED' }>,
  order: Order,
  shortfalls: readonly { sku: string; requested: number; available: number }[],
): string | undefined {
  switch (reason) {
    case 'shortfall':
      return `a stock count found fewer units than were reserved: ${shortfalls
        .map((s) => `${s.sku} needs ${s.requested}, ${s.available} on hand`)
        .join('; ')}`;
    case 'failed':
      return input.release.reason === 'lapsed'
        ? 'the reservation had been released by an earlier run of the saga that failed'
        : `a step failed: ${input.release.error?.Error ?? 'unknown error'}`;
    case 'cancelled':
      return order.pendingOutcome?.reason;
    case 'expired':
      return `not fulfilled within ${order.holdSeconds} s`;
  }
}

function targetOf(input: MarkStatusInput, order: Order): OrderStatus {
  if (input.transition !== 'RELEASED') return input.transition;
  return releaseReasonOf(input, order) === 'expired' ? 'EXPIRED' : 'CANCELLED';
}

/**
 * Why the order's stock was released. `lapsed` (a re-driven saga found the reservation already
 * released by an earlier run that died before MarkReleased) is told from the order's record: a
 * cancel recorded → cancelled; otherwise the earlier run was compensating a failure → failed.
 */
function releaseReasonOf(
  input: Extract<MarkStatusInput, { transition: 'RELEASED' }>,
  order: Order,
): ReleaseReason {
  const { reason } = input.release;
  if (reason !== 'lapsed') return reason;
  return order.pendingOutcome?.outcome === 'CANCELLED' ? 'cancelled' : 'failed';
}

/** The saga's input, from the stored order only: every start of the same order sends the same input. */
export function sagaInputOf(order: Order): SagaInput {
  const holdSeconds = order.holdSeconds ?? MAX_HOLD_SECONDS;
  return {
    orderId: order.orderId,
    lines: order.lines.map((line) => ({
      ...line,
      ...(order.locationId ? { locationId: order.locationId } : {}),
    })),
    holdSeconds,
    stockHoldSeconds: holdSeconds + STOCK_HOLD_GRACE_SECONDS,
  };
}
