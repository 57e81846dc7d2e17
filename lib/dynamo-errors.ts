/**
 * What a failed DynamoDB TransactWriteItems says about itself, for the stores that decide what to
 * do next (re-read and retry, back off, report a refused condition, or treat it as ambiguous).
 */

/** Cancellation reasons that a re-read and retry can fix. */
const CONTENDED_CODES = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
/** Errors after which the transaction certainly did not run: refused before executing. Back off. */
const REFUSED_ERRORS = new Set([
  'TransactionConflictException',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
/**
 * Errors after which the transaction may or may not have committed. DynamoDB says so of
 * InternalServerError; TransactionInProgressException means the SDK re-sent a request (same
 * ClientRequestToken) that is still running; a timeout or a broken connection loses the answer,
 * whatever happened. The SDK throws the last of these when its own retries are exhausted.
 */
const AMBIGUOUS_ERRORS = new Set([
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);
const AMBIGUOUS_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN']);

function isAmbiguous(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    AMBIGUOUS_ERRORS.has(e.name ?? '') ||
    AMBIGUOUS_CODES.has(e.code ?? '') ||
    (e.$metadata?.httpStatusCode ?? 0) >= 500 ||
    /socket hang up/i.test(e.message ?? '')
  );
}

export type TransactionFailure =
  /**
   * TransactionCanceledException: nothing was written. `codes[i]` is the reason of the i-th item
   * (`ConditionalCheckFailed`, `None`, …); `contended` when a reason is one a retry can fix (or
   * DynamoDB gave none).
   */
  | { kind: 'cancelled'; codes: (string | undefined)[]; contended: boolean }
  /** Refused before it ran (throttled, a conflict with another transaction): back off and retry. */
  | { kind: 'refused' }
  /** It may or may not have committed. */
  | { kind: 'ambiguous' }
  /** Anything else (a malformed request, a cancellation for a ValidationError): a bug, rethrow it. */
  | { kind: 'other' };

/** Reads a TransactWriteItems error; `other` is for the caller to rethrow. */
export function transactionFailure(error: unknown): TransactionFailure {
  const name = (error as Error | undefined)?.name ?? '';
  if (name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    if (reasons.some((r) => r.Code === 'ValidationError')) return { kind: 'other' };
    return {
      kind: 'cancelled',
      codes: reasons.map((r) => r.Code),
      contended: reasons.length === 0 || reasons.some((r) => CONTENDED_CODES.has(r.Code ?? '')),
    };
  }
  if (REFUSED_ERRORS.has(name)) return { kind: 'refused' };
  if (isAmbiguous(error)) return { kind: 'ambiguous' };
  return { kind: 'other' };
}
