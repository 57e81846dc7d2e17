import { describe, expect, it } from 'vitest';
import { assertEveryTaskHasRetryAndCatch, extractAsl, validateAsl } from '../local/stepfunctions/asl.ts';
import { orderSaga } from './order-saga.ts';

const definition = () => extractAsl(orderSaga).definition;

describe('the order saga definition', () => {
  it('is valid ASL', () => {
    expect(() => validateAsl(definition())).not.toThrow();
  });

  it('gives every Task state an explicit Retry and a Catch', () => {
    expect(() => assertEveryTaskHasRetryAndCatch(definition())).not.toThrow();
  });

  it('waits for the platform with a task token, at most the hold given in the input', () => {
    const wait = definition().States.AwaitOutcome!;

    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.TimeoutSecondsPath).toBe('$.holdSeconds');
    expect(wait.Parameters).toMatchObject({
      Payload: { 'orderId.$': '$.orderId', 'taskToken.$': '$$.Task.Token' },
    });
  });

  it('sends a timed-out wait to the release as expired, and every other failure as failed', () => {
    const catches = (state: string) =>
      (definition().States[state]!.Catch as { ErrorEquals: string[]; Next: string }[]).map((c) => [
        c.ErrorEquals.join(','),
        c.Next,
      ]);

    expect(catches('AwaitOutcome')).toEqual([
      ['States.Timeout', 'Expired'],
      ['States.ALL', 'Failed'],
    ]);
    for (const step of ['Reserve', 'MarkReserved', 'Commit'])
      expect(catches(step)).toEqual([['States.ALL', 'Failed']]);
    expect(definition().States.Expired).toMatchObject({ Next: 'Release', Parameters: { reason: 'expired' } });
    expect(definition().States.Release!.Next).toBe('ReleasedOrAlreadyCommitted');
  });

  it('reports an order whose compensation finds the reservation COMMITTED as fulfilled, never released', () => {
    const choice = definition().States.ReleasedOrAlreadyCommitted as unknown as {
      Choices: { Variable: string; StringEquals: string; Next: string }[];
      Default: string;
    };

    expect(choice.Choices).toEqual([
      { Variable: '$.released.status', StringEquals: 'COMMITTED', Next: 'MarkFulfilled' },
    ]);
    expect(choice.Default).toBe('MarkReleased');
  });

  it('retries the idempotent commit on any error, not only transient ones', () => {
    const retriers = definition().States.Commit!.Retry as { ErrorEquals: string[] }[];

    expect(retriers.map((r) => r.ErrorEquals)).toContainEqual(['TransientError']);
    expect(retriers.at(-1)!.ErrorEquals).toEqual(['States.ALL']);
  });

  it('retries the compensation on any error, not only transient ones', () => {
    const retriers = definition().States.Release!.Retry as { ErrorEquals: string[] }[];

    expect(retriers.map((r) => r.ErrorEquals)).toContainEqual(['TransientError']);
    expect(retriers.at(-1)!.ErrorEquals).toEqual(['States.ALL']);
  });

  it('reserves, commits and releases under the order id, so each stock call is idempotent per order', () => {
    const payload = (state: string) =>
      (definition().States[state]!.Parameters as { Payload: object }).Payload;

    expect(payload('Reserve')).toMatchObject({ action: 'reserve', 'reservationId.$': '$.orderId' });
    expect(payload('Commit')).toMatchObject({ action: 'commit', 'reservationId.$': '$.orderId' });
    expect(payload('Release')).toMatchObject({ action: 'release', 'reservationId.$': '$.orderId' });
  });
});
