import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  ExecuteStatementCommand,
  type RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { rdsData, requireEnv } from './aws.ts';
import type { Sql, SqlParams, SqlValue } from './sql.ts';
import { DATABASE_ENV } from './topology.ts';

/**
 * `Sql` (lib/sql.ts) over the RDS Data API with `@aws-sdk/client-rds-data`: Aurora PostgreSQL in
 * AWS, the local Data API endpoint (local/rds-data.ts, PGlite) locally — the same calls, the
 * endpoint chosen by `AWS_ENDPOINT_URL_RDS_DATA`.
 *
 * - `query` asks for `formatRecordsAs: 'JSON'` and parses `formattedRecords`: numbers, strings,
 *   booleans, null (DECIMAL/NUMERIC, dates and timestamps come back as PostgreSQL's text).
 * - `batch` is BatchExecuteStatement in one transaction (the caller's, or its own), split into calls
 *   of at most {@link BATCH_MAX_SETS} parameter sets and ~{@link BATCH_MAX_BYTES} of JSON: the Data API
 *   has no fixed limit on the number of sets but refuses a request over 4 MiB.
 * - `transaction` is BeginTransaction → `work(tx)` → CommitTransaction, RollbackTransaction when
 *   `work` throws. Inside it, `tx.transaction(w)` runs `w` in the same transaction (no nesting).
 * - Aurora Serverless v2 at 0 ACU is paused: the first call gets DatabaseResumingException while it
 *   resumes (~15 s). That, and throttling, are retried with exponential backoff for up to a minute
 *   (neither ran the statement, so a retry is safe, in a transaction too).
 * - A SQL error becomes a {@link SqlError} with PostgreSQL's message and SQLSTATE; any other failure
 *   of the Data API a {@link DataApiError} naming the exception.
 */
export interface DatabaseConfig {
  clusterArn: string;
  secretArn: string;
  /** The database inside the cluster. */
  database: string;
}

export interface DataApiOptions {
  /** Defaults to the process's memoized client (lib/aws.ts). */
  client?: RDSDataClient;
  /** Backoff of DatabaseResumingException and throttling. */
  retry?: { maxElapsedMs?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** Parameter sets per BatchExecuteStatement call. */
export const BATCH_MAX_SETS = 1000;
/** Approximate JSON size of one BatchExecuteStatement call's parameter sets (AWS: 4 MiB per request). */
export const BATCH_MAX_BYTES = 3 * 1024 * 1024;

/** The database of a function with `database: true`, from `DATABASE_ENV`. */
export function databaseFromEnv(): DatabaseConfig {
  return {
    clusterArn: requireEnv(DATABASE_ENV.clusterArn),
    secretArn: requireEnv(DATABASE_ENV.secretArn),
    database: requireEnv(DATABASE_ENV.name),
  };
}

/** PostgreSQL refused a statement: its message (with detail and hint when given) and SQLSTATE. */
export class SqlError extends Error {
  constructor(
    message: string,
    /** e.g. `23505` unique_violation, `42P01` undefined_table; absent when the Data API gave none. */
    readonly sqlState: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SqlError';
  }
}

/** The Data API failed for a reason other than SQL (access, a missing transaction, an unavailable cluster…). */
export class DataApiError extends Error {
  constructor(
    /** The exception's name, e.g. `BadRequestException`, `ForbiddenException`. */
    readonly type: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DataApiError';
  }
}

const RETRYABLE = new Set(['DatabaseResumingException', 'ThrottlingException', 'TooManyRequestsException']);

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return RETRYABLE.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

const snippet = (sql: string) => {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
};

function mapError(error: unknown, sql: string | undefined): Error {
  const where = sql ? ` (in: ${snippet(sql)})` : '';
  if (error instanceof DatabaseErrorException) {
    const message = error.message ?? 'SQL error';
    const sqlState = /SQLState: ([0-9A-Z]{5})/.exec(message)?.[1];
    return new SqlError(`${message}${where}`, sqlState, { cause: error });
  }
  const e = error as { name?: string; message?: string };
  if (error instanceof Error && e.name && e.name !== 'Error') {
    return new DataApiError(e.name, `Data API ${e.name}: ${e.message}${where}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A timestamp as the Data API's TIMESTAMP typeHint wants it: `YYYY-MM-DD HH:MM:SS[.FFF]`, in UTC. */
function dataApiTimestamp(value: string): string {
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`Not a timestamp: ${value}`);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A value as the Data API's `SqlParameter` (lib/sql.ts's mapping). */
export function toParameter(name: string, value: SqlValue): SqlParameter {
  if (value === null || value === undefined) return { name, value: { isNull: true } };
  switch (typeof value) {
    case 'string':
      return { name, value: { stringValue: value } };
    case 'boolean':
      return { name, value: { booleanValue: value } };
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Parameter ${name} is not a finite number: ${value}`);
      return Number.isSafeInteger(value)
        ? { name, value: { longValue: value } }
        : { name, value: { doubleValue: value } };
  }
  if ('date' in value) return { name, value: { stringValue: value.date }, typeHint: 'DATE' };
  if ('timestamp' in value) {
    return { name, value: { stringValue: dataApiTimestamp(value.timestamp) }, typeHint: 'TIMESTAMP' };
  }
  if ('decimal' in value) return { name, value: { stringValue: value.decimal }, typeHint: 'DECIMAL' };
  if ('json' in value) {
    return value.json === null || value.json === undefined
      ? { name, value: { isNull: true } }
      : { name, value: { stringValue: JSON.stringify(value.json) }, typeHint: 'JSON' };
  }
  throw new TypeError(`Parameter ${name} has an unsupported value: ${JSON.stringify(value)}`);
}

const toParameters = (params: SqlParams | undefined): SqlParameter[] | undefined => {
  if (!params) return undefined;
  const entries = Object.entries(params);
  return entries.length ? entries.map(([name, value]) => toParameter(name, value)) : undefined;
};

/** Splits parameter sets into calls of at most BATCH_MAX_SETS sets and about BATCH_MAX_BYTES. */
function chunks(sets: SqlParameter[][]): SqlParameter[][][] {
  const out: SqlParameter[][][] = [];
  let current: SqlParameter[][] = [];
  let bytes = 0;
  for (const set of sets) {
    const size = JSON.stringify(set).length;
    if (current.length && (current.length >= BATCH_MAX_SETS || bytes + size > BATCH_MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(set);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DataApiSql implements Sql {
  /** The database of this function (`DATABASE_ENV`). */
  static fromEnv(options: DataApiOptions = {}): DataApiSql {
    return new DataApiSql(databaseFromEnv(), options);
  }

  private readonly client: RDSDataClient;

  constructor(
    readonly config: DatabaseConfig,
    private readonly options: DataApiOptions = {},
    /** Set on the `tx` handed to `transaction`'s work: every call joins that transaction. */
    private readonly transactionId?: string,
  ) {
    this.client = options.client ?? rdsData();
  }

  private get target() {
    return {
      resourceArn: this.config.clusterArn,
      secretArn: this.config.secretArn,
      database: this.config.database,
    };
  }

  /** One Data API call, retried while the cluster resumes or the API throttles. */
  private async call<T>(sql: string | undefined, send: () => Promise<T>): Promise<T> {
    const { maxElapsedMs = 60_000, baseDelayMs = 250, maxDelayMs = 5_000 } = this.options.retry ?? {};
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        if (!isRetryable(error) || Date.now() - started + delay > maxElapsedMs) throw mapError(error, sql);
        await sleep(delay);
      }
    }
  }

  async query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: SqlParams,
  ): Promise<Row[]> {
    const parameters = toParameters(params);
    const result = await this.call(sql, () =>
      this.client.send(
        new ExecuteStatementCommand({
          ...this.target,
          sql,
          parameters,
          transactionId: this.transactionId,
          formatRecordsAs: 'JSON',
        }),
      ),
    );
    return result.formattedRecords ? (JSON.parse(result.formattedRecords) as Row[]) : [];
  }

  async execute(sql: string, params?: SqlParams): Promise<{ updated: number }> {
    const parameters = toParameters(params);
    const result = await this.call(sql, () =>
      this.client.send(
        new ExecuteStatementCommand({ ...this.target, sql, parameters, transactionId: this.transactionId }),
      ),
    );
    return { updated: result.numberOfRecordsUpdated ?? 0 };
  }

  async batch(sql: string, paramSets: readonly SqlParams[]): Promise<void> {
    if (paramSets.length === 0) return;
    const sets = chunks(paramSets.map((set) => toParameters(set) ?? []));
    await this.transaction(async (tx) => {
      const transactionId = (tx as DataApiSql).transactionId;
      for (const parameterSets of sets) {
        await this.call(sql, () =>
          this.client.send(
            new BatchExecuteStatementCommand({ ...this.target, sql, parameterSets, transactionId }),
          ),
        );
      }
    });
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.transactionId) return work(this);
    const { transactionId } = await this.call(undefined, () =>
      this.client.send(new BeginTransactionCommand(this.target)),
    );
    const tx = new DataApiSql(this.config, { ...this.options, client: this.client }, transactionId);
    const ids = { resourceArn: this.config.clusterArn, secretArn: this.config.secretArn, transactionId };
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      // A SQL error has already ended the transaction on the Data API's side: the rollback is then
      // refused (NotFound), which changes nothing.
      await this.client.send(new RollbackTransactionCommand(ids)).catch(() => undefined);
      throw error;
    }
    await this.call(undefined, () => this.client.send(new CommitTransactionCommand(ids)));
    return result;
  }
}
