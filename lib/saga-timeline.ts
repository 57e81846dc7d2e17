/**
 * The saga's step timeline, from a Step Functions execution history (GetExecutionHistory):
 * one entry per Task state entered, with its attempts, how it ended and the last error.
 */

/** The part of an SDK `HistoryEvent` read here. */
export interface SagaHistoryEvent {
  type?: string;
  timestamp?: Date;
  stateEnteredEventDetails?: { name?: string };
  stateExitedEventDetails?: { name?: string };
}

export interface SagaStep {
  step: string;
  status: 'succeeded' | 'failed' | 'running';
  startedAt: string;
  endedAt?: string;
  error?: string;
  attempts: number;
}

const FAILURES = new Set(['TaskFailed', 'TaskTimedOut', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut']);
const ATTEMPTS = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const CLOSES = new Set(['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

const errorOf = (event: SagaHistoryEvent): string | undefined => {
  const details = Object.entries(event as Record<string, unknown>).find(([key]) =>
    key.endsWith('EventDetails'),
  )?.[1] as { error?: string; cause?: string } | undefined;
  return details?.error;
};

export function timelineOf(events: readonly SagaHistoryEvent[]): SagaStep[] {
  const steps: SagaStep[] = [];
  let current: (SagaStep & { failing: boolean }) | undefined;
  const at = (event: SagaHistoryEvent) => (event.timestamp ?? new Date(0)).toISOString();
  const end = (event: SagaHistoryEvent, failed: boolean) => {
    if (!current) return;
    current.status = failed ? 'failed' : 'succeeded';
    current.endedAt = at(event);
    if (!failed) delete current.error;
    const { failing: _, ...step } = current;
    steps[steps.length - 1] = step;
    current = undefined;
  };
  for (const event of events) {
    const type = event.type ?? '';
    if (type === 'TaskStateEntered') {
      // A state left by a Catch may have no Exited event: it ended when the next one began.
      if (current) end(event, current.failing);
      current = {
        step: event.stateEnteredEventDetails?.name ?? '?',
        status: 'running',
        startedAt: at(event),
        attempts: 0,
        failing: false,
      };
      steps.push(current);
    } else if (type.endsWith('StateEntered') && current) {
      end(event, current.failing);
    } else if (!current) {
    } else if (ATTEMPTS.has(type)) {
      current.attempts++;
    } else if (FAILURES.has(type)) {
      current.failing = true;
      current.error = errorOf(event) ?? type;
    } else if (type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded') {
      current.failing = false;
    } else if (type === 'TaskStateExited') {
      end(event, current.failing);
    } else if (CLOSES.has(type)) {
      current.error ??= errorOf(event) ?? type;
      end(event, true);
    }
  }
  if (current) {
    const { failing: _, ...step } = current;
    steps[steps.length - 1] = step;
  }
  return steps;
}
