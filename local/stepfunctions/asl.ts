import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { StateMachine as LocalStateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { WorkflowDecl, WorkflowTaskDecl } from '../../lib/topology.ts';
import {
  type AslDefinition,
  forEachState,
  type LocalAwsEnv,
  localAwsEnv,
  localFunctionArn,
  localFunctionName,
} from './definition.ts';
import './polyfill.ts';

export * from './definition.ts';

/**
 * Plain Amazon States Language from the one CDK definition of a workflow. The workflow's `build`
 * runs in a throwaway App/Stack against placeholder functions (inline code, nothing bundled);
 * the state machine's `DefinitionString` — an `Fn::Join` of strings and tokens — is resolved by a
 * small resolver that turns each placeholder's `Fn::GetAtt [id, Arn]` / `Ref` into the local ARN
 * or name of the declared function, and the pseudo parameters into local values.
 */

export interface ExtractedWorkflow {
  definition: AslDefinition;
  /** Every way the definition may name a task function (ARN or name) → the declared function. */
  functions: Map<string, WorkflowTaskDecl>;
}

/** Builds the workflow with placeholder functions and returns its ASL, resolved for local use. */
export function extractAsl(workflow: WorkflowDecl, env: LocalAwsEnv = localAwsEnv()): ExtractedWorkflow {
  const app = new App();
  const stack = new Stack(app, 'LocalWorkflow', { env });
  const fns: Record<string, lambda.IFunction> = {};
  const byLogicalId = new Map<string, WorkflowTaskDecl>();
  for (const [key, task] of Object.entries(workflow.tasks)) {
    const fn = new lambda.Function(stack, `Task-${key}`, {
      functionName: localFunctionName(task),
      code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("placeholder"); };'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    });
    fns[key] = fn;
    byLogicalId.set(stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction), task);
  }
  const machine = new sfn.StateMachine(stack, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(workflow.build(stack, fns)),
    ...(workflow.timeoutSeconds ? { timeout: Duration.seconds(workflow.timeoutSeconds) } : {}),
  });
  const cfn = machine.node.defaultChild as sfn.CfnStateMachine;
  const text = resolveIntrinsics(stack.resolve(cfn.definitionString), {
    ...env,
    logicalIds: byLogicalId,
    workflow: workflow.name,
  });
  if (typeof text !== 'string')
    throw new Error(`workflow ${workflow.name}: DefinitionString is not a string`);

  const functions = new Map<string, WorkflowTaskDecl>();
  for (const task of byLogicalId.values()) {
    functions.set(localFunctionArn(task, env), task);
    functions.set(localFunctionName(task), task);
  }
  return { definition: JSON.parse(text) as AslDefinition, functions };
}

interface ResolveContext extends LocalAwsEnv {
  logicalIds: Map<string, WorkflowTaskDecl>;
  workflow: string;
}

/**
 * Resolves the CloudFormation intrinsics CDK leaves in a definition string: `Fn::Join`, `Ref` to
 * pseudo parameters and to task functions, `Fn::GetAtt [fn, Arn]`. Anything else is an error
 * naming the token, so a workflow that references a resource the local world cannot map fails
 * loudly at start instead of at run time.
 */
export function resolveIntrinsics(value: unknown, ctx: ResolveContext): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, ctx));
  const entries = Object.entries(value);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key === 'Fn::Join') {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((p) => String(resolveIntrinsics(p, ctx))).join(separator);
  }
  if (entries.length === 1 && key === 'Ref') {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': ctx.region,
      'AWS::AccountId': ctx.account,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const ref = String(arg);
    if (pseudo[ref]) return pseudo[ref];
    const task = ctx.logicalIds.get(ref);
    if (task) return localFunctionName(task);
  }
  if (entries.length === 1 && key === 'Fn::GetAtt') {
    const [id, attribute] = arg as [string, string];
    const task = ctx.logicalIds.get(id);
    if (task && attribute === 'Arn') return localFunctionArn(task, ctx);
  }
  if (entries.length === 1 && (key?.startsWith('Fn::') || key === 'Ref')) {
    throw new Error(
      `workflow ${ctx.workflow}: cannot resolve ${JSON.stringify(value)} locally; ` +
        'only the functions declared in `tasks` and pseudo parameters can be referenced',
    );
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, ctx)]));
}

/** Validates a definition the way aws-local-stepfunctions does before running it (throws on error). */
export function validateAsl(definition: AslDefinition): void {
  new LocalStateMachine(definition as unknown as StateMachineDefinition);
}

/** Errors CDK's LambdaInvoke retries on its own (`retryOnServiceExceptions`): they do not count. */
const SERVICE_ERRORS = new Set([
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
]);

/**
 * The saga rule: every Task state says which of its errors it retries (a retrier beyond the one
 * CDK adds for Lambda service exceptions) and where its failures go (a Catch). Throws one error
 * listing every offending state.
 */
export function assertEveryTaskHasRetryAndCatch(definition: AslDefinition): void {
  const problems: string[] = [];
  forEachState(definition, (name, state) => {
    if (state.Type !== 'Task') return;
    const retry = (state.Retry as { ErrorEquals: string[] }[] | undefined) ?? [];
    const explicit = retry.some((r) => r.ErrorEquals.some((e) => !SERVICE_ERRORS.has(e)));
    if (!explicit) problems.push(`${name}: no explicit Retry`);
    if (!(state.Catch as unknown[] | undefined)?.length) problems.push(`${name}: no Catch`);
  });
  if (problems.length) throw new Error(`Task states without Retry/Catch:\n  ${problems.join('\n  ')}`);
}
