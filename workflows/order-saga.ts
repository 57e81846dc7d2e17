import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ANY_ERROR_RETRY,
  CALLBACK_RETRY,
  callbackStep,
  defineWorkflow,
  IDEMPOTENT_RETRY,
  invokeStep,
  type RetryPolicy,
  TRANSIENT_RETRY,
} from './workflow.ts';

/**
 * The order saga (Standard workflow), one execution per order, named after the order id.
 *
 *   Reserve ─REJECTED→ MarkRejected → Rejected
 *      │RESERVED         ─COMMITTED (a re-driven saga: the stock already left)→ MarkFulfilled
 *      │                 ─RELEASED (given up earlier)→ Lapsed, EXPIRED (by the sweeper)→ Expired
 *   MarkReserved → AwaitOutcome ─FULFILLED→ Commit ─COMMITTED→ MarkFulfilled → Completed
 *                        │                    │SHORTFALL (a count found less than reserved)
 *                        │CANCELLED / States.Timeout / any failure after Reserve
 *                        ▼
 *          Cancelled | Expired | Failed | Shortfall (reason) → Release ─COMMITTED→ MarkFulfilled
 *                                                                  │otherwise
 *                                                        MarkReleased → Released | OrderFailed
 *
 * Commit is idempotent, so it is retried on ANY error: a commit whose transaction landed and
 * whose answer was lost succeeds on the retry. If it still fails, the compensation asks stock to
 * release, and branches on what stock answers: a reservation that is already COMMITTED means the
 * stock left, so the order is reported fulfilled, never cancelled.
 *
 * Input (built by the orders service from the stored order, see `sagaInputOf`):
 * `{ orderId, lines: [{ sku, quantity, locationId? }], holdSeconds, stockHoldSeconds }`.
 * The reservation id is the order id, so every stock call is idempotent per order.
 * Tasks: stock `saga-tasks` (reserve / commit / release by `action`), orders `mark-status`
 * (transition + outbox event, atomically) and orders `await-outcome` (parks the task token).
 */

/** Stock contention: more tries than the default, still bounded. */
const RESERVE_RETRY: RetryPolicy = { ...TRANSIENT_RETRY, maxAttempts: 6, maxDelaySeconds: 10 };

export const orderSaga = defineWorkflow({
  name: 'order-saga',
  description:
    'Order: reserve stock, wait for the platform (fulfil or cancel, with a hold timeout), commit or release',
  tasks: {
    stock: { service: 'stock', functionId: 'saga-tasks' },
    markStatus: { service: 'orders', functionId: 'mark-status' },
    awaitOutcome: { service: 'orders', functionId: 'await-outcome' },
  },
  // Above the longest hold the orders service allows (7 days) plus the steps around it.
  timeoutSeconds: 8 * 24 * 3600,
  build(parent, fns) {
    const scope = new Construct(parent, 'OrderSaga');
    const mark = (id: string, transition: string, fields: Record<string, unknown>) =>
      invokeStep(scope, id, {
        fn: fns.markStatus,
        payload: { 'orderId.$': '$.orderId', transition, ...fields },
        resultPath: sfn.JsonPath.DISCARD,
        retry: IDEMPOTENT_RETRY,
      });

    // ------------------------------------------------------------ compensation
    const compensationFailed = new sfn.Fail(scope, 'CompensationFailed', {
      error: 'CompensationFailed',
      cause:
        'the reservation could not be released or the order not marked; the stock sweeper frees it at expiry',
    });
    const release = invokeStep(scope, 'Release', {
      fn: fns.stock,
      payload: {
        action: 'release',
        'reservationId.$': '$.orderId',
        'reason.$': '$.release.reason',
        'correlationId.$': '$.orderId',
      },
      resultSelector: { 'status.$': '$.Payload.status' },
      resultPath: '$.released',
      retry: IDEMPOTENT_RETRY,
      comment: 'Compensation: give the reserved stock back (idempotent; a no-op if nothing is held)',
    }).addCatch(compensationFailed, { resultPath: '$.compensationError' });
    const markReleased = mark('MarkReleased', 'RELEASED', { 'release.$': '$.release' }).addCatch(
      compensationFailed,
      { resultPath: '$.compensationError' },
    );
    // The order's fulfilment time is the one the platform reported (kept on the order).
    const markFulfilled = mark('MarkFulfilled', 'FULFILLED', {})
      // The stock is committed: there is nothing left to undo, only to report.
      .addCatch(new sfn.Fail(scope, 'MarkFulfilledFailed', { error: 'MarkFulfilledFailed' }), {
        resultPath: '$.error',
      })
      .next(new sfn.Succeed(scope, 'Completed'));

    release.next(
      new sfn.Choice(scope, 'ReleasedOrAlreadyCommitted', {
        comment: 'A reservation already COMMITTED means the stock left: report the order fulfilled',
      })
        .when(sfn.Condition.stringEquals('$.released.status', 'COMMITTED'), markFulfilled)
        .otherwise(markReleased),
    );
    markReleased.next(
      new sfn.Choice(scope, 'ReleasedBecause')
        .when(
          sfn.Condition.stringEquals('$.release.reason', 'failed'),
          new sfn.Fail(scope, 'OrderFailed', {
            error: 'OrderFailed',
            cause:
              'a step failed after the reservation; the reservation was released and the order cancelled',
          }),
        )
        .otherwise(new sfn.Succeed(scope, 'Released')),
    );
    const because = (id: string, reason: string, fields: Record<string, string> = {}) =>
      new sfn.Pass(scope, id, { parameters: { reason, ...fields }, resultPath: '$.release' }).next(release);
    const cancelled = because('Cancelled', 'cancelled');
    const expired = because('Expired', 'expired');
    const failed = because('Failed', 'failed', { 'error.$': '$.error' });
    const shortfall = because('Shortfall', 'shortfall', { 'shortfalls.$': '$.committed.result.shortfalls' });
    // Reserve found the reservation already released by an earlier run that died before telling
    // the platform: the orders service tells why from what it recorded (a cancel, or a failure).
    const lapsed = because('Lapsed', 'lapsed');

    // ------------------------------------------------------------ forward path
    const reserve = invokeStep(scope, 'Reserve', {
      fn: fns.stock,
      payload: {
        action: 'reserve',
        'reservationId.$': '$.orderId',
        'lines.$': '$.lines',
        'holdSeconds.$': '$.stockHoldSeconds',
        'correlationId.$': '$.orderId',
      },
      resultSelector: { 'result.$': '$.Payload' },
      resultPath: '$.reservation',
      retry: [RESERVE_RETRY, ANY_ERROR_RETRY],
      comment: 'All lines or none; insufficient stock is a result (REJECTED with shortfalls), not an error',
    }).addCatch(failed, { resultPath: '$.error' });

    const markRejected = mark('MarkRejected', 'REJECTED', {
      'shortfalls.$': '$.reservation.result.shortfalls',
    })
      .addCatch(new sfn.Fail(scope, 'MarkRejectedFailed', { error: 'MarkRejectedFailed' }), {
        resultPath: '$.error',
      })
      .next(new sfn.Succeed(scope, 'Rejected'));

    const markReserved = mark('MarkReserved', 'RESERVED', {}).addCatch(failed, { resultPath: '$.error' });

    const awaitOutcome = callbackStep(scope, 'AwaitOutcome', {
      fn: fns.awaitOutcome,
      payload: { 'orderId.$': '$.orderId' },
      timeout: sfn.Timeout.at('$.holdSeconds'),
      resultPath: '$.outcome',
      // States.TaskFailed, not States.ALL: a failed invocation is retried, the hold's timeout is not.
      retry: CALLBACK_RETRY,
      comment:
        "Waits for the platform's OrderFulfilled/OrderCancelled (task token), at most the reservation hold",
    })
      .addCatch(expired, { errors: ['States.Timeout'], resultPath: '$.error' })
      .addCatch(failed, { resultPath: '$.error' });

    const commit = invokeStep(scope, 'Commit', {
      fn: fns.stock,
      payload: { action: 'commit', 'reservationId.$': '$.orderId', 'correlationId.$': '$.orderId' },
      resultSelector: { 'result.$': '$.Payload' },
      resultPath: '$.committed',
      retry: IDEMPOTENT_RETRY,
      comment:
        'The reserved stock leaves: onHand and reserved go down. SHORTFALL (a count found less stock than reserved) is a result',
    }).addCatch(failed, { resultPath: '$.error' });

    return reserve.next(
      new sfn.Choice(scope, 'ReservedOrRejected')
        .when(sfn.Condition.stringEquals('$.reservation.result.status', 'REJECTED'), markRejected)
        .when(sfn.Condition.stringEquals('$.reservation.result.status', 'COMMITTED'), markFulfilled)
        .when(sfn.Condition.stringEquals('$.reservation.result.status', 'RELEASED'), lapsed)
        .when(sfn.Condition.stringEquals('$.reservation.result.status', 'EXPIRED'), expired)
        .otherwise(
          markReserved
            .next(awaitOutcome)
            .next(
              new sfn.Choice(scope, 'FulfilledOrCancelled')
                .when(
                  sfn.Condition.stringEquals('$.outcome.outcome', 'FULFILLED'),
                  commit.next(
                    new sfn.Choice(scope, 'CommittedOrShort')
                      .when(sfn.Condition.stringEquals('$.committed.result.status', 'SHORTFALL'), shortfall)
                      .otherwise(markFulfilled),
                  ),
                )
                .otherwise(cancelled),
            ),
        ),
    );
  },
});
