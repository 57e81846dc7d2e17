import type { Context } from 'aws-lambda';
import { ulid } from 'ulid';

/** A Lambda handler as our modules export it: (event, context) → result. */
// biome-ignore lint/suspicious/noExplicitAny: handlers have many event shapes
export type LambdaHandler = (event: any, context: Context, callback?: any) => Promise<unknown> | unknown;

/** The Lambda context the local runtime hands to a handler: what Powertools reads from it. */
export function lambdaContext(functionName: string, timeoutSeconds = 30): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: ulid(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Item identifiers a handler reported as failed (`batchItemFailures`), or all of them if it threw. */
export async function invokeBatch(
  handler: LambdaHandler,
  event: unknown,
  context: Context,
  allIds: string[],
  onError: (error: unknown) => void,
): Promise<Set<string>> {
  try {
    const result = (await handler(event, context)) as
      | { batchItemFailures?: { itemIdentifier: string }[] }
      | undefined;
    return new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    onError(error);
    return new Set(allIds);
  }
}
