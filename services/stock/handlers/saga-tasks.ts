import { asWorkflowTask } from '../../../lib/errors.ts';
import { parseOrThrow } from '../../../lib/parse.ts';
import {
  type SagaCommitOutput,
  type SagaExpectInput,
  type SagaLinesOutput,
  type SagaReceiveInput,
  type SagaReleaseOutput,
  type SagaReserveOutput,
  sagaCommitInputSchema,
  sagaExpectInputSchema,
  sagaReceiveInputSchema,
  sagaReleaseInputSchema,
  sagaReserveInputSchema,
  sagaTaskInputSchema,
} from '../contract.ts';
import { CommitShortfallError, InsufficientStockError } from '../domain/stock.ts';
import { defaultLedger } from '../store.ts';

/**
 * Step Functions task Lambdas of the order and replenishment sagas (contract: `sagaReserveInputSchema` and friends
 * in `../contract.ts`). Insufficient stock is a result, not an error, so the state machine
 * branches on `status`; contention surfaces as a thrown `TransientError` for its Retry.
 */
const SAGA = 'order-saga';

/**
 * Reserves all lines or none: `RESERVED` with the expiry, or `REJECTED` with the shortfalls; a
 * reservation that already exists answers its real state (COMMITTED, RELEASED or EXPIRED).
 */
export async function reserveHandler(event: unknown): Promise<SagaReserveOutput> {
  const input = parseOrThrow(sagaReserveInputSchema, event);
  return asWorkflowTask(async () => {
    try {
      const reservation = await defaultLedger().reserve(input.reservationId, input.lines, input.holdSeconds, {
        actor: SAGA,
        correlationId: input.correlationId,
      });
      // An existing reservation answers its real state: a re-driven saga must not wait on released stock.
      if (reservation.status !== 'HELD') {
        return { status: reservation.status, reservationId: reservation.reservationId };
      }
      return {
        status: 'RESERVED',
        reservationId: reservation.reservationId,
        expiresAt: reservation.expiresAt,
      };
    } catch (error) {
      if (error instanceof InsufficientStockError) {
        return { status: 'REJECTED', reservationId: input.reservationId, shortfalls: error.shortfalls };
      }
      throw error;
    }
  });
}

/**
 * Commits a held reservation (idempotent): COMMITTED, or SHORTFALL (a result, like REJECTED) when a
 * count found less on hand than it holds. Throws ConflictError if it was released or expired.
 */
export async function commitHandler(event: unknown): Promise<SagaCommitOutput> {
  const input = parseOrThrow(sagaCommitInputSchema, event);
  return asWorkflowTask(async () => {
    try {
      await defaultLedger().commit(input.reservationId, { actor: SAGA, correlationId: input.correlationId });
      return { status: 'COMMITTED', reservationId: input.reservationId };
    } catch (error) {
      if (error instanceof CommitShortfallError) {
        return { status: 'SHORTFALL', reservationId: input.reservationId, shortfalls: error.shortfalls };
      }
      throw error;
    }
  });
}

/** Releases a reservation (compensation; idempotent, a no-op when already final or unknown). */
export async function releaseHandler(event: unknown): Promise<SagaReleaseOutput> {
  const input = parseOrThrow(sagaReleaseInputSchema, event);
  const result = await asWorkflowTask(() =>
    defaultLedger().release(input.reservationId, input.reason ?? 'saga_compensation', {
      actor: SAGA,
      correlationId: input.correlationId,
    }),
  );
  return {
    status: result.status === 'HELD' ? 'RELEASED' : result.status,
    reservationId: input.reservationId,
  };
}

/** The replenishment saga's actor and idempotency principal on the ledger. */
const REPLENISHMENT = 'replenishment-saga';

/**
 * One ledger operation per line (`expect` or `receive`), keyed by reference, SKU and location
 * under the replenishment saga's principal: a retried or re-driven step changes nothing twice.
 */
async function perLine(
  input: SagaExpectInput | SagaReceiveInput,
  operation: 'expect' | 'receive',
): Promise<SagaLinesOutput> {
  return asWorkflowTask(async () => {
    const movements: string[] = [];
    for (const line of input.lines) {
      const { movement } = await defaultLedger()[operation](
        { ...line, reference: input.reference },
        {
          actor: REPLENISHMENT,
          principal: REPLENISHMENT,
          correlationId: input.correlationId ?? input.reference,
          idempotencyKey: `${input.reference}:${line.sku}:${line.locationId}`,
        },
      );
      movements.push(movement.id);
    }
    return { status: 'APPLIED', movements };
  });
}

/** Goods on order: incoming += each line's quantity (negative: compensation, never below zero). */
export async function expectHandler(event: unknown): Promise<SagaLinesOutput> {
  return perLine(parseOrThrow(sagaExpectInputSchema, event), 'expect');
}

/** A receipt against a purchase order: per line, onHand += quantity and incoming -= what was expected. */
export async function receiveHandler(event: unknown): Promise<SagaLinesOutput> {
  return perLine(parseOrThrow(sagaReceiveInputSchema, event), 'receive');
}

/** One entry for all, dispatching on `action` (`reserve` | `commit` | `release` | `expect` | `receive`). */
export async function handler(
  event: unknown,
): Promise<SagaReserveOutput | SagaCommitOutput | SagaReleaseOutput | SagaLinesOutput> {
  const input = parseOrThrow(sagaTaskInputSchema, event);
  const { action, ...rest } = input;
  if (action === 'reserve') return reserveHandler(rest);
  if (action === 'commit') return commitHandler(rest);
  if (action === 'expect') return expectHandler(rest);
  if (action === 'receive') return receiveHandler(rest);
  return releaseHandler(rest);
}
