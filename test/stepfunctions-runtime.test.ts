import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfn } from '../lib/aws.ts';
import { stateMachineEnvVar } from '../lib/topology.ts';
import type { Runtime } from '../local/runtime.ts';
import { workflowFixtureService } from '../workflows/fixtures/service.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// A service finds its state machine the way it does in AWS: an ARN in its environment, and the SDK
// pointed at Step Functions by AWS_ENDPOINT_URL_SFN, which the local runtime sets.
describe('workflows in the local runtime', () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await startTestRuntime([workflowFixtureService]);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('registers each declared workflow and runs it with the declared handlers', async () => {
    const stateMachineArn = process.env[stateMachineEnvVar('fixture-saga')]!;
    expect(stateMachineArn).toMatch(/^arn:aws:states:us-east-1:\d{12}:stateMachine:t\w+-fixture-saga$/);
    expect(process.env.AWS_ENDPOINT_URL_SFN).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const id = ulid();
    const input = { id, failTimes: 1, permanent: false, wait: false, waitSeconds: 5, heartbeatSeconds: 5 };

    const { executionArn } = await sfn().send(
      new StartExecutionCommand({ stateMachineArn, name: id, input: JSON.stringify(input) }),
    );

    const execution = await eventually(async () => {
      const described = await sfn().send(new DescribeExecutionCommand({ executionArn }));
      return described.status !== 'RUNNING' && described;
    });
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).reserve).toEqual({ attempts: 2 });
  });
});
