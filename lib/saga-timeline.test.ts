import { describe, expect, it } from 'vitest';
import { type SagaHistoryEvent, timelineOf } from './saga-timeline.ts';

let clock = Date.parse('2026-05-04T10:00:00Z');
const event = (type: string, details: Record<string, unknown> = {}): SagaHistoryEvent => {
  clock += 1000;
  return { type, timestamp: new Date(clock), ...details };
};
const entered = (name: string) => event('TaskStateEntered', { stateEnteredEventDetails: { name } });
const exited = (name: string) => event('TaskStateExited', { stateExitedEventDetails: { name } });
const failed = (error: string) => event('TaskFailed', { taskFailedEventDetails: { error } });

describe('the saga timeline', () => {
  it('shows a step retried after failures as succeeded, with its attempts', () => {
    const steps = timelineOf([
      event('ExecutionStarted'),
      entered('Reserve'),
      event('TaskScheduled'),
      failed('TransientError'),
      event('TaskScheduled'),
      event('TaskSucceeded'),
      exited('Reserve'),
      entered('AwaitOutcome'),
      event('TaskScheduled'),
    ]);

    expect(steps).toEqual([
      {
        step: 'Reserve',
        status: 'succeeded',
        attempts: 2,
        startedAt: '2026-05-04T10:00:02.000Z',
        endedAt: '2026-05-04T10:00:07.000Z',
      },
      { step: 'AwaitOutcome', status: 'running', attempts: 1, startedAt: '2026-05-04T10:00:08.000Z' },
    ]);
  });

  it('shows a step whose failure was caught as failed with its error, ended when the next began', () => {
    const steps = timelineOf([
      entered('Commit'),
      event('TaskScheduled'),
      failed('PermanentFault'),
      event('PassStateEntered', { stateEnteredEventDetails: { name: 'Failed' } }),
      entered('Release'),
      event('TaskScheduled'),
      event('TaskSucceeded'),
      exited('Release'),
      event('ExecutionFailed', { executionFailedEventDetails: { error: 'OrderFailed' } }),
    ]);

    expect(steps.map((s) => [s.step, s.status, s.error])).toEqual([
      ['Commit', 'failed', 'PermanentFault'],
      ['Release', 'succeeded', undefined],
    ]);
  });

  it('fails the running step when the execution ends under it', () => {
    const steps = timelineOf([entered('AwaitOutcome'), event('TaskScheduled'), event('ExecutionAborted')]);

    expect(steps[0]).toMatchObject({ status: 'failed', error: 'ExecutionAborted' });
  });
});
