import type { WorkflowTaskDecl } from '../../lib/topology.ts';

/** ASL types and local naming, free of CDK imports (the engine runs without loading aws-cdk-lib). */

/** A state as it appears in ASL. Loosely typed: we read what we need and pass the rest through. */
export type AslState = { Type: string } & Record<string, unknown>;
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  TimeoutSeconds?: number;
  [field: string]: unknown;
}

export const LOCAL_ACCOUNT = '000000000000';

export interface LocalAwsEnv {
  region: string;
  account: string;
}

export const localAwsEnv = (): LocalAwsEnv => ({
  region: process.env.AWS_REGION ?? 'us-east-1',
  account: LOCAL_ACCOUNT,
});

/** The local name of a declared function: the same one `lambdaContext` reports. */
export const localFunctionName = (task: WorkflowTaskDecl): string => `${task.service}-${task.functionId}`;

export const localFunctionArn = (task: WorkflowTaskDecl, env: LocalAwsEnv = localAwsEnv()): string =>
  `arn:aws:lambda:${env.region}:${env.account}:function:${localFunctionName(task)}`;

/** Calls `visit` for every state, including those inside Parallel branches and Map processors. */
export function forEachState(
  definition: Pick<AslDefinition, 'States'>,
  visit: (name: string, state: AslState) => void,
): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) forEachState(branch, visit);
    const processor = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (processor) forEachState(processor, visit);
  }
}
