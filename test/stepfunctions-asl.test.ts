import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import {
  assertEveryTaskHasRetryAndCatch,
  extractAsl,
  localFunctionArn,
  validateAsl,
} from '../local/stepfunctions/asl.ts';
import { LocalStepFunctions } from '../local/stepfunctions/engine.ts';
import { fixtureSaga } from '../workflows/fixtures/saga.ts';
import { defineWorkflow } from '../workflows/workflow.ts';

const oneTask = (build: (scope: import('constructs').Construct, fn: IFunction) => sfn.IChainable) =>
  defineWorkflow({
    name: 'one-task',
    description: 'a workflow built inline by a test',
    tasks: { only: { service: 'svc', functionId: 'only' } },
    build: (scope, fns) => build(scope, fns.only),
  });

const register = (workflow: ReturnType<typeof oneTask>) => {
  const { definition } = extractAsl(workflow);
  return new LocalStepFunctions().register({
    name: 'one-task',
    definition,
    resolveFunction: () => ({ name: 'svc-only', handler: async () => null }),
  });
};

// The CDK definition is the only definition: these tests check what the local runtime makes of it.
describe('ASL extracted from a CDK workflow', () => {
  it('is plain JSON with every task function resolved to the local ARN of its declared function', () => {
    const { definition, functions } = extractAsl(fixtureSaga);

    expect(JSON.stringify(definition)).not.toMatch(/Fn::|"Ref"|\$\{Token/);
    expect(definition.States.Reserve).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: localFunctionArn({ service: 'wf-fixture', functionId: 'step' }) },
    });
    expect(definition.TimeoutSeconds).toBe(300);
    expect(functions.get('wf-fixture-park')).toEqual({ service: 'wf-fixture', functionId: 'park' });
  });

  it('validates, and every Task state of the fixture has Retry and Catch', () => {
    const { definition } = extractAsl(fixtureSaga);

    expect(() => validateAsl(definition)).not.toThrow();
    expect(() => assertEveryTaskHasRetryAndCatch(definition)).not.toThrow();
  });

  it('names each Task state without an explicit Retry or without a Catch', () => {
    // CDK adds a retrier for Lambda service exceptions by itself: that one does not count.
    const { definition } = extractAsl(
      oneTask((scope, fn) => new tasks.LambdaInvoke(scope, 'Bare', { lambdaFunction: fn })),
    );

    expect(() => assertEveryTaskHasRetryAndCatch(definition)).toThrow(
      /Bare: no explicit Retry[\s\S]*Bare: no Catch/,
    );
  });

  it('refuses a reference the local world cannot map, naming it', () => {
    const workflow = oneTask((scope) => {
      const queue = new sqs.Queue(scope, 'Queue');
      return new sfn.Pass(scope, 'Point', { parameters: { queue: queue.queueUrl } });
    });

    expect(() => extractAsl(workflow)).toThrow(/cannot resolve \{"Ref":"Queue/);
  });

  it('refuses a callback step without a timeout, which would otherwise wait forever', () => {
    const workflow = oneTask(
      (scope, fn) =>
        new tasks.LambdaInvoke(scope, 'Wait', {
          lambdaFunction: fn,
          integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
          payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
        }),
    );

    expect(() => register(workflow)).toThrow(/Wait: a \.waitForTaskToken task needs TimeoutSeconds/);
  });

  it('refuses a Task that is not a Lambda invocation, which it could not run', () => {
    const workflow = oneTask(
      (scope) =>
        new sfn.CustomState(scope, 'Sqs', {
          stateJson: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: 'q', MessageBody: 'x' },
          },
        }),
    );

    expect(() => register(workflow)).toThrow(/sqs:sendMessage is not supported locally/);
  });
});
