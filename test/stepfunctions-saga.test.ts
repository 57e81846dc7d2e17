import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfn } from '../lib/aws.ts';
import { type StepFunctionsRuntime, startStepFunctions } from '../local/stepfunctions/index.ts';
import { handler as park } from '../workflows/fixtures/handlers/park.ts';
import { compensations, parked } from '../workflows/fixtures/records.ts';
import { workflowFixtureService } from '../workflows/fixtures/service.ts';
import { eventually } from './support/env.ts';

// The orders service will drive its saga with the real SDK and no local branch. These tests talk
// to the local endpoint the same way and pin down the Step Functions behaviours a saga relies on:
// retries, catch into compensation, task tokens with timeouts and heartbeats, idempotent starts
// by name, stop, and an event history that shows every attempt.
describe('the local Step Functions endpoint', () => {
  let local: StepFunctionsRuntime;
  let stateMachineArn: string;
  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    local = await startStepFunctions({
      services: [workflowFixtureService],
      prefix: `t${ulid().slice(-8).toLowerCase()}`,
      retryDelayMs: 20,
    });
    Object.assign(process.env, local.env);
    stateMachineArn = local.stateMachineArns['fixture-saga']!;
  });
  afterAll(async () => {
    await local?.stop();
  });

  const inputFor = (id: string, overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      failTimes: 0,
      permanent: false,
      wait: false,
      waitSeconds: 30,
      heartbeatSeconds: 30,
      ...overrides,
    });
  const start = async (overrides: Record<string, unknown> = {}) => {
    const id = ulid();
    const { executionArn } = await sfn().send(
      new StartExecutionCommand({ stateMachineArn, name: id, input: inputFor(id, overrides) }),
    );
    return { id, executionArn: executionArn! };
  };
  const finished = (executionArn: string) =>
    eventually(async () => {
      const execution = await sfn().send(new DescribeExecutionCommand({ executionArn }));
      return execution.status !== 'RUNNING' && execution;
    });
  const historyOf = async (executionArn: string): Promise<HistoryEvent[]> =>
    (await sfn().send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
  const tokenOf = (id: string) => eventually(async () => parked.get(id));

  it('retries a step that fails transiently twice, then succeeds with the expected output', async () => {
    const { id, executionArn } = await start({ failTimes: 2 });

    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      ...JSON.parse(inputFor(id, { failTimes: 2 })),
      reserve: { attempts: 3 },
    });
    const events = await historyOf(executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      ...['TaskScheduled', 'TaskStarted', 'TaskFailed'],
      ...['TaskScheduled', 'TaskStarted', 'TaskFailed'],
      ...['TaskScheduled', 'TaskStarted', 'TaskSucceeded'],
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    const failure = events.find((e) => e.type === 'TaskFailed')!.taskFailedEventDetails!;
    expect(failure.error).toBe('TransientError');
    expect(JSON.parse(failure.cause!)).toMatchObject({
      errorType: 'TransientError',
      errorMessage: 'attempt 1 throttled',
    });
    const succeeded = events.find((e) => e.type === 'TaskSucceeded')!.taskSucceededEventDetails!;
    expect(JSON.parse(succeeded.output!)).toMatchObject({
      StatusCode: 200,
      Payload: { key: id, attempts: 3 },
    });
    expect(events.every((e, i) => e.id === i + 1 && e.timestamp instanceof Date)).toBe(true);
  });

  it('resumes a callback step when SendTaskSuccess arrives with its token', async () => {
    const { executionArn, id } = await start({ wait: true });
    const taskToken = await tokenOf(id);

    await sfn().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true }) }));

    const execution = await finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).signal).toEqual({ approved: true });
    const types = (await historyOf(executionArn)).map((e) => e.type);
    expect(types).toContain('TaskSubmitted');
    await expect(sfn().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('starts one execution per name: same input returns it again, another input is a conflict', async () => {
    const { id, executionArn } = await start({ wait: true });
    await tokenOf(id);

    const again = await sfn().send(
      new StartExecutionCommand({ stateMachineArn, name: id, input: inputFor(id, { wait: true }) }),
    );
    const conflict = sfn().send(
      new StartExecutionCommand({ stateMachineArn, name: id, input: inputFor(id, { wait: false }) }),
    );

    expect(again.executionArn).toBe(executionArn);
    await expect(conflict).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const listed = await sfn().send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));
    expect(listed.executions!.filter((e) => e.name === id)).toHaveLength(1);

    // Once closed, the name stays taken (Standard workflows), even with the same input.
    await sfn().send(new SendTaskSuccessCommand({ taskToken: parked.get(id), output: '{}' }));
    await finished(executionArn);
    await expect(
      sfn().send(
        new StartExecutionCommand({ stateMachineArn, name: id, input: inputFor(id, { wait: true }) }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('sends a callback that never comes to the compensation with States.Timeout', async () => {
    const { id, executionArn } = await start({ wait: true, waitSeconds: 1 });
    const taskToken = await tokenOf(id);

    const execution = await finished(executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(compensations.find((c) => c.key === id)?.error.Error).toBe('States.Timeout');
    const timedOut = (await historyOf(executionArn)).find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails?.error).toBe('States.Timeout');
    await expect(sfn().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('runs the compensation when a step fails permanently, and the execution fails', async () => {
    const { id, executionArn } = await start({ permanent: true });

    const execution = await finished(executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'RolledBack', cause: 'the compensation ran' });
    const compensation = compensations.find((c) => c.key === id)!;
    expect(compensation.error.Error).toBe('PermanentError');
    expect(JSON.parse(compensation.error.Cause).errorMessage).toBe(`step for ${id} can never succeed`);
    const types = (await historyOf(executionArn)).map((e) => e.type);
    // Not retried: PermanentError is not in the step's Retry.
    expect(types.filter((t) => t === 'TaskScheduled')).toHaveLength(2);
    expect(types.slice(-3)).toEqual(['TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('fails a callback step with the error given to SendTaskFailure, caught into the compensation', async () => {
    const { id, executionArn } = await start({ wait: true });
    const taskToken = await tokenOf(id);

    await sfn().send(
      new SendTaskFailureCommand({ taskToken, error: 'OrderCancelled', cause: 'by the customer' }),
    );

    expect(await finished(executionArn)).toMatchObject({ status: 'FAILED', error: 'RolledBack' });
    expect(compensations.find((c) => c.key === id)?.error).toEqual({
      Error: 'OrderCancelled',
      Cause: 'by the customer',
    });
  });

  it('keeps a callback open while heartbeats arrive and times it out when they stop', async () => {
    // A beat every 200 ms against a 2 s heartbeat timeout: 1.8 s of margin per beat for a busy
    // machine. Beating for twice the timeout shows the beats, not luck, kept the task open.
    const heartbeatSeconds = 2;
    const { id, executionArn } = await start({ wait: true, heartbeatSeconds });
    const taskToken = await tokenOf(id);

    let lastBeat = Date.now();
    const beatUntil = lastBeat + 2 * heartbeatSeconds * 1000;
    while (Date.now() < beatUntil) {
      lastBeat = Date.now();
      await sfn().send(new SendTaskHeartbeatCommand({ taskToken }));
      await new Promise((r) => setTimeout(r, 200));
    }
    const whileBeating = await sfn().send(new DescribeExecutionCommand({ executionArn }));
    const execution = await finished(executionArn);

    expect(whileBeating.status).toBe('RUNNING');
    expect(execution.status).toBe('FAILED');
    // Timed out a full heartbeat window after the last beat (never sooner; a busy machine only delays it).
    expect(execution.stopDate!.getTime()).toBeGreaterThanOrEqual(lastBeat + heartbeatSeconds * 1000 - 50);
    expect(compensations.find((c) => c.key === id)?.error.Error).toBe('States.HeartbeatTimeout');
    await expect(sfn().send(new SendTaskHeartbeatCommand({ taskToken }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('stops a waiting execution: ABORTED, nothing compensated, its token no longer accepted', async () => {
    const { id, executionArn } = await start({ wait: true });
    const taskToken = await tokenOf(id);

    await sfn().send(new StopExecutionCommand({ executionArn, error: 'Ops', cause: 'stopped by hand' }));

    const execution = await sfn().send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Ops', cause: 'stopped by hand' });
    expect(execution.stopDate).toBeInstanceOf(Date);
    await expect(sfn().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    // An abort wrongly caught into the compensation would run it at once. A later execution goes through
    // a step, its failure and then its own compensation: once that one is recorded, this one had its chance.
    const later = await start({ permanent: true });
    await eventually(async () => compensations.some((c) => c.key === later.id));
    expect(compensations.some((c) => c.key === id)).toBe(false);
    expect((await historyOf(executionArn)).at(-1)?.type).toBe('ExecutionAborted');
  });

  it('times out a whole execution after the state machine TimeoutSeconds', async () => {
    const shortArn = local.engine.register({
      name: `${stateMachineArn.split(':').at(-1)}-short`,
      definition: {
        StartAt: 'Name',
        TimeoutSeconds: 1,
        States: {
          Name: { Type: 'Pass', Parameters: { 'key.$': '$$.Execution.Name' }, Next: 'Wait' },
          Wait: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            TimeoutSeconds: 60,
            Parameters: {
              FunctionName: 'wf-fixture-park',
              Payload: { 'key.$': '$.key', 'taskToken.$': '$$.Task.Token' },
            },
            End: true,
          },
        },
      },
      resolveFunction: (ref) => (ref === 'wf-fixture-park' ? { name: ref, handler: park } : undefined),
    });
    const id = ulid();
    const { executionArn } = await sfn().send(
      new StartExecutionCommand({ stateMachineArn: shortArn, name: id }),
    );
    const taskToken = await tokenOf(id);

    const execution = await finished(executionArn!);

    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect((await historyOf(executionArn!)).at(-1)?.type).toBe('ExecutionTimedOut');
    await expect(sfn().send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  it('answers an unknown execution with ExecutionDoesNotExist', async () => {
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:nope`;

    await expect(sfn().send(new DescribeExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
  });
});
