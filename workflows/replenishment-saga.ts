import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  CALLBACK_RETRY,
  callbackStep,
  defineWorkflow,
  IDEMPOTENT_RETRY,
  invokeStep,
  type RetryPolicy,
} from './workflow.ts';

/**
 * The replenishment saga (Standard workflow), one execution per purchase order raised, named
 * after its id. A fallback PO (the preferred supplier rejected it, or could not be reached)
 * continues in the same execution: the loop goes back to Begin with the new PO's id.
 *
 *   Begin ─(needs approval)→ AwaitApproval ─timeout→ EscalateApproval → AwaitApprovalAfterEscalation
 *     │                          │APPROVED                               │timeout → ApprovalExpired (cancel)
 *     │                          ▼                                       ▼
 *     └──────────────────────→ Send (signed webhook; 5xx/timeouts retried with backoff and jitter)
 *                                │ 4xx / 410 / retries spent → SendFailed: Fallback → Begin (the fallback PO) | Failed
 *                                ▼
 *                   ExpectIncoming (stock: incoming += quantity, per line) → MarkSent
 *                                ▼
 *      ┌──────────→ AwaitSupplier (task token; the API resumes it with a signal) ─timeout→ Overdue
 *      │                         │                                   (reminder, escalation) ──┘
 *      │   receipt → ApplyReceipt (stock: onHand += q, incoming -= q) [→ Unexpect when closed short]
 *      │   rejected → Unexpect (incoming -= what will not come) → Fallback → Begin | Rejected
 *      │   cancelled → Unexpect → NotifyCancellation (signed purchase_order.cancelled; retried;
 *      │               when it still fails → CancellationUndelivered: a note on the PO, not fatal)
 *      │   acknowledged / shipped → (nothing to do in stock)
 *      └─ Handled (not final) ←──┘        Handled (final) → Done
 *
 * Begin routes a re-driven PO by its status: DRAFT to approval or Send, SENT and later to
 * ExpectIncoming (a no-op again) and on; a final PO with signals the saga had not finished the
 * same way, so AwaitSupplier resumes at once with them and their stock steps run; any other final
 * PO ends (AlreadyFinal).
 *
 * Every task is idempotent (a status already recorded, a ledger line already written, a token
 * already parked: no-ops), so each is retried on any error, and a re-driven execution (after a
 * local restart) picks up where the PO stands. The stock steps are in this saga, in order, so a
 * receipt can only reach the ledger after its PO's incoming did.
 *
 * Tasks: replenishment `saga-tasks` (by `action`, see services/replenishment/domain/model.ts) and
 * stock `saga-tasks` (`expect` / `receive`, see services/stock/contract.ts).
 */

/** A supplier's webhook that is down (5xx, timeout, connection refused): the first try and 5 retries, 2 s → 32 s apart, with full jitter. */
export const SEND_RETRY: RetryPolicy = {
  errors: ['SupplierUnavailable'],
  maxAttempts: 5,
  intervalSeconds: 2,
  backoffRate: 2,
  maxDelaySeconds: 60,
};

export const replenishmentSaga = defineWorkflow({
  name: 'replenishment-saga',
  description:
    'Purchase order: approval if above the threshold, signed webhook to the supplier, incoming, acknowledgement, receipts; fallback supplier and compensation',
  tasks: {
    tasks: { service: 'replenishment', functionId: 'saga-tasks' },
    stock: { service: 'stock', functionId: 'saga-tasks' },
  },
  // A Standard execution lives up to a year; a PO still open after 180 days ends its saga (see docs/operations.md).
  timeoutSeconds: 180 * 24 * 3600,
  build(parent, fns) {
    const scope = new Construct(parent, 'ReplenishmentSaga');
    const po = { 'purchaseOrderId.$': '$.purchaseOrderId' };
    const task = (
      id: string,
      action: string,
      fields: Record<string, unknown>,
      props: Partial<{
        resultPath: string;
        resultSelector: Record<string, unknown>;
        retry: RetryPolicy[];
        comment: string;
      }> = {},
    ) =>
      invokeStep(scope, id, {
        fn: fns.tasks,
        payload: { action, ...po, ...fields },
        resultSelector: props.resultSelector ?? { 'result.$': '$.Payload' },
        resultPath: props.resultPath ?? sfn.JsonPath.DISCARD,
        retry: props.retry ?? IDEMPOTENT_RETRY,
        comment: props.comment,
      });
    const done = new sfn.Succeed(scope, 'Done', { comment: 'The purchase order reached a final status' });
    // A step that still fails after its retries: the PO stays as it stands, the execution fails
    // (alarmed), and ops redrive it from the failed state (Step Functions RedriveExecution).
    const stepFailed = new sfn.Fail(scope, 'StepFailed', {
      error: 'StepFailed',
      cause:
        'a step failed after its retries; the PO is unchanged since; redrive the execution once the cause is fixed',
    });
    const orFail = <T extends sfn.TaskStateBase>(state: T): T =>
      state.addCatch(stepFailed, { resultPath: '$.stepError' }) as T;
    const compensationFailed = new sfn.Fail(scope, 'CompensationFailed', {
      error: 'CompensationFailed',
      cause: 'incoming could not be corrected in the stock ledger; see the execution history',
    });

    // ------------------------------------------------------------ begin and approval
    const begin = task(
      'Begin',
      'begin',
      {},
      {
        resultSelector: { 'result.$': '$.Payload' },
        resultPath: '$.po',
        comment: 'Where the PO stands: a re-driven saga picks up from its status',
      },
    );
    const approvalStep = (id: string, timeoutPath: string) =>
      callbackStep(scope, id, {
        fn: fns.tasks,
        payload: { action: 'await-approval', ...po },
        timeout: sfn.Timeout.at(timeoutPath),
        resultPath: '$.approval',
        retry: CALLBACK_RETRY,
        comment: 'Waits for a manager: POST /api/v1/purchase-orders/{id}/approve or /reject',
      });
    const awaitApproval = approvalStep('AwaitApproval', '$.po.result.waits.approvalSeconds');
    const awaitApprovalAgain = approvalStep(
      'AwaitApprovalAfterEscalation',
      '$.po.result.waits.approvalEscalatedSeconds',
    );
    const escalateApproval = task(
      'EscalateApproval',
      'escalate',
      { kind: 'approval_overdue' },
      {
        comment: 'Nobody decided in time: PurchaseOrderEscalated (notify ops), then wait a while longer',
      },
    );
    const approvalExpired = task('ApprovalExpired', 'cancel', { reason: 'approval_timeout' });
    approvalExpired.next(new sfn.Succeed(scope, 'CancelledUnapproved'));
    awaitApproval.addCatch(escalateApproval, { errors: ['States.Timeout'], resultPath: '$.error' });
    escalateApproval.next(awaitApprovalAgain);
    awaitApprovalAgain.addCatch(approvalExpired, { errors: ['States.Timeout'], resultPath: '$.error' });

    // ------------------------------------------------------------ fallback (a failed send, a rejection)
    const fallbackSteps: sfn.TaskStateBase[] = [];
    const fallback = (id: string, reason: 'send_failed' | 'supplier_rejected') => {
      const step = task(
        id,
        'fallback',
        { reason, ...(reason === 'send_failed' ? { 'error.$': '$.error' } : {}) },
        {
          resultPath: '$.fallback',
          comment:
            'Marks this PO (FAILED or REJECTED) and raises the same need with the fallback supplier; without one, alerts ops',
        },
      );
      fallbackSteps.push(step);
      const next = new sfn.Pass(scope, `${id}ToNext`, {
        parameters: { 'purchaseOrderId.$': '$.fallback.result.next' },
        comment: 'Continue with the fallback PO',
      });
      step.next(
        new sfn.Choice(scope, `${id}HasNext`)
          .when(sfn.Condition.isPresent('$.fallback.result.next'), next.next(begin))
          .when(
            sfn.Condition.stringEquals('$.fallback.result.status', 'CANCELLED'),
            new sfn.Succeed(scope, `${id}Cancelled`, { comment: 'Cancelled by a manager meanwhile' }),
          )
          .when(
            sfn.Condition.stringEquals('$.fallback.result.status', 'REJECTED'),
            new sfn.Fail(scope, `${id}Rejected`, {
              error: 'PurchaseOrderRejected',
              cause:
                'the supplier rejected the PO and there is no fallback supplier left; people were notified',
            }),
          )
          .otherwise(
            new sfn.Fail(scope, `${id}Failed`, {
              error: 'PurchaseOrderFailed',
              cause: 'the PO could not be placed with any supplier; ops were alerted (PurchaseOrderFailed)',
            }),
          ),
      );
      return step;
    };

    // ------------------------------------------------------------ send
    const send = task(
      'Send',
      'send',
      {},
      {
        resultPath: '$.sent',
        retry: [SEND_RETRY, IDEMPOTENT_RETRY[0]!],
        comment:
          'POST to the webhook, Standard Webhooks signed; 5xx, timeouts and refused connections retried, a 4xx fails at once, a 410 disables the webhook',
      },
    );
    send.addCatch(fallback('SendFailed', 'send_failed'), { resultPath: '$.error' });

    const expectIncoming = invokeStep(scope, 'ExpectIncoming', {
      fn: fns.stock,
      payload: {
        action: 'expect',
        'reference.$': "States.Format('{}:sent', $.purchaseOrderId)",
        'lines.$': '$.po.result.expectLines',
        'correlationId.$': '$.purchaseOrderId',
      },
      resultPath: sfn.JsonPath.DISCARD,
      retry: IDEMPOTENT_RETRY,
      comment: 'incoming += the ordered quantity, one idempotent ledger operation per line',
    });
    const markSent = task('MarkSent', 'mark-sent', {}, { resultPath: '$.wait' });

    // ------------------------------------------------------------ waiting for the supplier
    const awaitSupplier = callbackStep(scope, 'AwaitSupplier', {
      fn: fns.tasks,
      payload: { action: 'await-supplier', ...po },
      timeout: sfn.Timeout.at('$.wait.result.seconds'),
      resultPath: '$.signal',
      retry: CALLBACK_RETRY,
      comment:
        "Waits for the supplier's callback (acknowledged, rejected, shipped), a receipt, or a cancellation",
    });
    const overdue = task(
      'Overdue',
      'overdue',
      {},
      {
        resultPath: '$.wait',
        comment: 'No answer in time: a reminder (the same webhook again), then an escalation',
      },
    );
    const remind = task(
      'Remind',
      'send',
      { reminder: true },
      {
        retry: [SEND_RETRY, IDEMPOTENT_RETRY[0]!],
        comment: 'The same purchase order again, with the same webhook-id',
      },
    );
    awaitSupplier.addCatch(overdue, { errors: ['States.Timeout'], resultPath: '$.error' });
    overdue.next(
      new sfn.Choice(scope, 'RemindOrWait')
        .when(sfn.Condition.stringEquals('$.wait.result.then', 'remind'), remind)
        .otherwise(awaitSupplier),
    );
    // A reminder that cannot be delivered is not fatal: the next wait escalates.
    remind.addCatch(awaitSupplier, { resultPath: '$.error' });
    remind.next(awaitSupplier);

    const handled = task('Handled', 'handled', { 'seq.$': '$.signal.seq' }, { resultPath: '$.wait' });
    handled.next(
      new sfn.Choice(scope, 'FinalOrWait')
        .when(sfn.Condition.booleanEquals('$.wait.result.final', true), done)
        .otherwise(awaitSupplier),
    );

    /** incoming -= what will not come (compensation), when the signal names any. */
    const unexpect = (id: string, then: sfn.IChainable) => {
      const step = invokeStep(scope, id, {
        fn: fns.stock,
        payload: {
          action: 'expect',
          'reference.$': "States.Format('{}:closed', $.purchaseOrderId)",
          'lines.$': '$.signal.unexpect',
          'correlationId.$': '$.purchaseOrderId',
        },
        resultPath: sfn.JsonPath.DISCARD,
        retry: IDEMPOTENT_RETRY,
        comment: 'Compensation: incoming -= the quantity that will no longer come',
      }).addCatch(compensationFailed, { resultPath: '$.compensationError' });
      step.next(then);
      return new sfn.Choice(scope, `${id}Needed`)
        .when(sfn.Condition.isPresent('$.signal.unexpect[0]'), step)
        .otherwise(then);
    };

    const applyReceipt = invokeStep(scope, 'ApplyReceipt', {
      fn: fns.stock,
      payload: {
        action: 'receive',
        'reference.$': '$.signal.receiptId',
        'lines.$': '$.signal.receipt',
        'correlationId.$': '$.purchaseOrderId',
      },
      resultPath: sfn.JsonPath.DISCARD,
      retry: IDEMPOTENT_RETRY,
      comment: 'The receipt in the ledger: onHand += quantity, incoming -= quantity, one operation per line',
    }).addCatch(compensationFailed, { resultPath: '$.compensationError' });
    applyReceipt.next(unexpect('UnexpectShortClose', handled));

    // A cancelled PO the supplier had: tell it (signed, retried like Send). Not fatal: the PO is
    // cancelled either way; when it still fails, the PO's history says the supplier was not told.
    const notifyCancellation = task(
      'NotifyCancellation',
      'send-cancellation',
      {},
      {
        retry: [SEND_RETRY, IDEMPOTENT_RETRY[0]!],
        comment:
          'POST purchase_order.cancelled to the webhook (webhook-id msg_<PO>_cancelled); 5xx, timeouts and refused connections retried',
      },
    );
    const cancellationUndelivered = task(
      'CancellationUndelivered',
      'cancellation-undelivered',
      { 'error.$': '$.notifyError' },
      { comment: 'The supplier could not be told: a note in the PO history (the PO stays cancelled)' },
    );
    notifyCancellation.addCatch(cancellationUndelivered, { resultPath: '$.notifyError' });
    // Even the note failing does not undo the cancellation: on to Handled.
    cancellationUndelivered.addCatch(handled, { resultPath: '$.notifyError' });
    notifyCancellation.next(handled);
    cancellationUndelivered.next(handled);

    const signalKind = new sfn.Choice(scope, 'SignalKind')
      .when(sfn.Condition.stringEquals('$.signal.kind', 'receipt'), applyReceipt)
      .when(
        sfn.Condition.stringEquals('$.signal.kind', 'rejected'),
        unexpect('UnexpectRejected', fallback('FallbackAfterRejection', 'supplier_rejected')),
      )
      .when(
        sfn.Condition.stringEquals('$.signal.kind', 'cancelled'),
        unexpect('UnexpectCancelled', notifyCancellation),
      )
      .otherwise(handled);
    awaitSupplier.next(signalKind);

    // ------------------------------------------------------------ the forward path
    const approved = new sfn.Choice(scope, 'Approved')
      .when(sfn.Condition.stringEquals('$.approval.decision', 'APPROVED'), send)
      .otherwise(new sfn.Succeed(scope, 'NotApproved', { comment: 'Rejected or cancelled by a manager' }));
    awaitApproval.next(approved);
    awaitApprovalAgain.next(approved);

    send.next(
      new sfn.Choice(scope, 'SentOrSkipped')
        .when(
          sfn.Condition.stringEquals('$.sent.result.outcome', 'SKIPPED'),
          new sfn.Succeed(scope, 'NotSent', { comment: 'Cancelled before it was sent' }),
        )
        .otherwise(expectIncoming),
    );
    expectIncoming.next(markSent);
    markSent.next(
      new sfn.Choice(scope, 'SentFinal')
        .when(sfn.Condition.booleanEquals('$.wait.result.final', true), done)
        .otherwise(awaitSupplier),
    );

    for (const state of [
      begin,
      awaitApproval,
      awaitApprovalAgain,
      escalateApproval,
      approvalExpired,
      expectIncoming,
      markSent,
      awaitSupplier,
      overdue,
      handled,
      ...fallbackSteps,
    ])
      orFail(state);

    return begin.next(
      new sfn.Choice(scope, 'Route')
        .when(
          sfn.Condition.or(
            sfn.Condition.stringEquals('$.po.result.status', 'AWAITING_APPROVAL'),
            sfn.Condition.and(
              sfn.Condition.stringEquals('$.po.result.status', 'DRAFT'),
              sfn.Condition.booleanEquals('$.po.result.needsApproval', true),
            ),
          ),
          awaitApproval,
        )
        .when(sfn.Condition.stringEquals('$.po.result.status', 'DRAFT'), send)
        .when(
          sfn.Condition.or(
            sfn.Condition.stringEquals('$.po.result.status', 'SENT'),
            sfn.Condition.stringEquals('$.po.result.status', 'ACKNOWLEDGED'),
            sfn.Condition.stringEquals('$.po.result.status', 'PARTIALLY_RECEIVED'),
            // Final, with signals not handled yet (a restart came between a cancel, rejection or
            // receipt and its stock step): on to AwaitSupplier, which resumes with the first.
            sfn.Condition.booleanEquals('$.po.result.pendingSignals', true),
          ),
          // Re-driven after a restart: the stock step is idempotent (and keeps incoming += before
          // any -=), MarkSent a no-op that says how long to wait.
          expectIncoming,
        )
        .otherwise(new sfn.Succeed(scope, 'AlreadyFinal')),
    );
  },
});
