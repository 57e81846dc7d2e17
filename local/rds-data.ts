import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PGlite, types } from '@electric-sql/pglite';
import { readBody, replyJson } from './aws-http.ts';

/**
 * A local stand-in for the RDS Data API (Aurora PostgreSQL), speaking its real wire protocol
 * (REST-JSON: `POST /Execute`, `/BatchExecute`, `/BeginTransaction`, `/CommitTransaction`,
 * `/RollbackTransaction`; errors as HTTP 4xx/5xx with `x-amzn-ErrorType` and `{ "message" }`), so the
 * real `@aws-sdk/client-rds-data` client runs unchanged against it through `AWS_ENDPOINT_URL_RDS_DATA`.
 * Behind it is PGlite (PostgreSQL compiled to WASM), persisted to a directory or in memory.
 * Signatures are not checked, and `resourceArn` / `secretArn` only have to be present.
 *
 * What matches AWS (the Data API reference):
 * - named parameters `:name` (not inside literals, quoted identifiers, dollar quotes or comments; `::`
 *   casts stay casts), bound with the types the Data API gives them: stringValue is `varchar` (so a
 *   date or uuid column needs its typeHint, as in AWS), longValue `int8`, doubleValue `float8`,
 *   booleanValue `bool`, blobValue `bytea`, isNull untyped; typeHint DATE / TIME / TIMESTAMP (in the
 *   formats AWS accepts: `YYYY-MM-DD`, `HH:MM:SS[.FFF]`, `YYYY-MM-DD HH:MM:SS[.FFF]`), DECIMAL, JSON,
 *   UUID. Array parameters are refused, as AWS does.
 * - results: `records` of Field unions (longValue for integers, doubleValue for floats, booleanValue,
 *   blobValue for bytea, arrayValue for arrays, isNull, and stringValue for everything else — numeric,
 *   dates and timestamps in PostgreSQL's text form), or `formattedRecords` (JSON) with
 *   `formatRecordsAs: 'JSON'`; `columnMetadata` with `includeResultMetadata`; `resultSetOptions`
 *   (`decimalReturnType: 'DOUBLE_OR_LONG'`, `longReturnType: 'STRING'`); `numberOfRecordsUpdated`.
 * - a SQL error is a DatabaseErrorException carrying PostgreSQL's message and SQLSTATE (the Data API
 *   for Aurora Serverless v2 and provisioned clusters; BadRequestException is for bad calls, and was
 *   v1's answer to SQL errors too). An error inside a transaction aborts it: it is rolled back and
 *   later calls with its id are refused with NotFoundException ("Transaction … is not found"), as the
 *   Data API's troubleshooting guide describes. So does a transaction idle for 3 minutes.
 * - Commit answers `Transaction Committed`, rollback `Rollback Complete`.
 *
 * Where it differs, deliberately:
 * - databases are schemas: PGlite is one database, so each distinct `database` name is a PostgreSQL
 *   schema of that name (created on first use, where AWS would refuse a database that does not exist),
 *   and every call runs with `search_path` set to it alone, so unqualified names in one `database` never
 *   see another's (tests provision many prefixes, each with its own database, on one endpoint). A
 *   transaction keeps the `database` of its BeginTransaction. No `database` (or `postgres`): PGlite's
 *   default `search_path` (`public`). Schema-qualified names still reach across, as in one AWS database;
 *   advisory locks are shared by all. `schema` is ignored (AWS does not support it either).
 * - PGlite is one connection, so a transaction holds the whole database from BeginTransaction to its
 *   commit or rollback: other calls (and other BeginTransactions) wait for it, FIFO. A caller that
 *   awaits a call outside its own open transaction before committing waits for the idle timeout.
 * - `GET /health` (not in AWS) answers without touching the database: `{ ok, database, openTransactions }`.
 * - SQL without parameters may hold several statements (run with the simple query protocol, useful
 *   for migrations); the answer is the last statement's. With parameters, PostgreSQL refuses that.
 */
export interface LocalRdsData {
  endpoint: string;
  stop(): Promise<void>;
}

export interface LocalRdsDataOptions {
  /** PGlite's data directory (e.g. `.data/pglite`); in memory when absent. */
  dataDir?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** A transaction with no call for this long is rolled back (AWS: 3 minutes). */
  transactionTimeoutMs?: number;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const TRANSACTION_TIMEOUT_MS = 3 * 60 * 1000;

export class RdsDataError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new RdsDataError('BadRequestException', 400, message);
const databaseError = (message: string) => new RdsDataError('DatabaseErrorException', 400, message);
const notFound = (message: string) => new RdsDataError('NotFoundException', 404, message);

// ---------------------------------------------------------------------------------------------
// Named parameters → PostgreSQL's positional ones

/**
 * Rewrites `:name` placeholders as `$1..$n` (the same name, the same number), leaving string
 * literals (also `E'…'`), quoted identifiers, dollar-quoted bodies, comments and `::` casts alone.
 * Returns the rewritten SQL and the name of each position.
 */
export function toPositional(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  let text = '';
  let i = 0;
  const isIdent = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c);
  const copyUntil = (end: number) => {
    text += sql.slice(i, end);
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'") {
      const escapes = (sql[i - 1] === 'e' || sql[i - 1] === 'E') && !isIdent(sql[i - 2]);
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      copyUntil(Math.min(j + 1, sql.length));
    } else if (c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      copyUntil(Math.min(j + 1, sql.length));
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      copyUntil(end === -1 ? sql.length : end);
    } else if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      while (j < sql.length) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      copyUntil(j);
    } else if (c === '$' && !isIdent(sql[i - 1])) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        copyUntil(end === -1 ? sql.length : end + tag.length);
      } else copyUntil(i + 1);
    } else if (c === ':' && next === ':') {
      copyUntil(i + 2);
    } else if (c === ':' && next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let position = names.indexOf(name);
      if (position === -1) position = names.push(name) - 1;
      text += `$${position + 1}`;
      i += 1 + name.length;
    } else {
      copyUntil(i + 1);
    }
  }
  return { text, names };
}

// ---------------------------------------------------------------------------------------------
// Parameters in

interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: unknown;
}
interface SqlParameter {
  name?: string;
  value?: Field;
  typeHint?: string;
}

const OID = {
  unknown: 0,
  bool: 16,
  bytea: 17,
  int8: 20,
  json: 114,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  numeric: 1700,
  uuid: 2950,
} as const;

const TYPE_HINTS: Record<string, { oid: number; format?: RegExp; formatText?: string }> = {
  DATE: { oid: OID.date, format: /^\d{4}-\d{2}-\d{2}$/, formatText: 'YYYY-MM-DD' },
  TIME: { oid: OID.time, format: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/, formatText: 'HH:MM:SS[.FFF]' },
  TIMESTAMP: {
    oid: OID.timestamp,
    format: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
    formatText: 'YYYY-MM-DD HH:MM:SS[.FFF]',
  },
  DECIMAL: { oid: OID.numeric },
  JSON: { oid: OID.json },
  UUID: { oid: OID.uuid },
};

function bindValue(parameter: SqlParameter): { value: unknown; oid: number } {
  const field = parameter.value;
  if (!field || field.isNull) return { value: null, oid: OID.unknown };
  if (typeof field.stringValue === 'string') {
    if (parameter.typeHint === undefined) return { value: field.stringValue, oid: OID.varchar };
    const hint = TYPE_HINTS[parameter.typeHint];
    if (!hint) throw badRequest(`Invalid type hint ${parameter.typeHint} for parameter ${parameter.name}`);
    if (hint.format && !hint.format.test(field.stringValue)) {
      throw badRequest(
        `Invalid ${parameter.typeHint} value for parameter ${parameter.name}: expected ${hint.formatText}`,
      );
    }
    return { value: field.stringValue, oid: hint.oid };
  }
  if (typeof field.longValue === 'number') return { value: field.longValue, oid: OID.int8 };
  if (typeof field.doubleValue === 'number') return { value: field.doubleValue, oid: OID.float8 };
  if (typeof field.booleanValue === 'boolean') return { value: field.booleanValue, oid: OID.bool };
  if (typeof field.blobValue === 'string') {
    return { value: new Uint8Array(Buffer.from(field.blobValue, 'base64')), oid: OID.bytea };
  }
  if (field.arrayValue !== undefined) throw badRequest('Array parameters are not supported.');
  return { value: null, oid: OID.unknown };
}

function bind(names: string[], parameters: SqlParameter[]): { values: unknown[]; oids: number[] } {
  const byName = new Map(parameters.filter((p) => p?.name).map((p) => [p.name!, p]));
  const bound = names.map((name) => {
    const parameter = byName.get(name);
    if (!parameter) throw badRequest(`No value specified for parameter: ${name}`);
    return bindValue(parameter);
  });
  return { values: bound.map((b) => b.value), oids: bound.map((b) => b.oid) };
}

// ---------------------------------------------------------------------------------------------
// Results out

interface PgType {
  name: string;
  /** pg_type.typcategory: B boolean, N numeric, A array, U user, S string, D date/time… */
  category: string;
  /** The element type of an array type. */
  element: number;
}

type Kind = 'bool' | 'long' | 'double' | 'decimal' | 'blob' | 'array' | 'string';

const KIND_BY_OID: Record<number, Kind> = {
  16: 'bool',
  17: 'blob',
  20: 'long',
  21: 'long',
  23: 'long',
  26: 'long',
  700: 'double',
  701: 'double',
  1700: 'decimal',
};

/** JDBC type codes and display precision, as the Data API (JDBC underneath) reports them. */
const JDBC: Record<string, [type: number, precision: number]> = {
  bool: [-7, 1],
  bytea: [-2, 2147483647],
  char: [1, 1],
  bpchar: [1, 2147483647],
  varchar: [12, 2147483647],
  text: [12, 2147483647],
  name: [12, 2147483647],
  int2: [5, 5],
  int4: [4, 10],
  int8: [-5, 19],
  oid: [-5, 10],
  float4: [7, 8],
  float8: [8, 17],
  numeric: [2, 0],
  date: [91, 13],
  time: [92, 15],
  timetz: [92, 21],
  timestamp: [93, 29],
  timestamptz: [93, 35],
};

interface ResultOptions {
  decimalReturnType?: string;
  longReturnType?: string;
}

class Results {
  constructor(
    private readonly typeOf: (oid: number) => PgType | undefined,
    private readonly options: ResultOptions,
  ) {}

  private kind(oid: number): Kind {
    const known = KIND_BY_OID[oid];
    if (known) return known;
    return this.typeOf(oid)?.category === 'A' ? 'array' : 'string';
  }

  private scalar(text: string, kind: Kind): { key: keyof Field; value: unknown } {
    switch (kind) {
      case 'bool':
        return { key: 'booleanValue', value: text === 't' || text === 'true' };
      case 'long':
        return this.options.longReturnType === 'STRING'
          ? { key: 'stringValue', value: text }
          : { key: 'longValue', value: Number(text) };
      case 'double':
        return { key: 'doubleValue', value: Number(text) };
      case 'decimal':
        if (this.options.decimalReturnType === 'DOUBLE_OR_LONG') {
          return /^-?\d+$/.test(text)
            ? { key: 'longValue', value: Number(text) }
            : { key: 'doubleValue', value: Number(text) };
        }
        return { key: 'stringValue', value: text };
      case 'blob':
        return { key: 'blobValue', value: Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64') };
      default:
        return { key: 'stringValue', value: text };
    }
  }

  /** The Data API's ArrayValue: nested `arrayValues`, or a list of the element kind's values. */
  private arrayValue(items: unknown[], elementKind: Kind): Record<string, unknown[]> {
    if (items.some((item) => Array.isArray(item))) {
      return { arrayValues: items.map((item) => this.arrayValue(item as unknown[], elementKind)) };
    }
    const converted = items.map((item) => (item === null ? null : this.scalar(item as string, elementKind)));
    const key = converted.find((c) => c !== null)?.key ?? 'stringValue';
    const listKey = { booleanValue: 'booleanValues', longValue: 'longValues', doubleValue: 'doubleValues' }[
      key as string
    ];
    return { [listKey ?? 'stringValues']: converted.map((c) => (c === null ? null : c.value)) };
  }

  private parseArray(text: string, oid: number): { items: unknown[]; elementKind: Kind } {
    const element = this.typeOf(oid)?.element ?? 0;
    return {
      items: types.arrayParser(text, (x: string) => x, oid) as unknown[],
      elementKind: this.kind(element),
    };
  }

  field(text: unknown, oid: number): Field {
    if (text === null || text === undefined) return { isNull: true };
    const kind = this.kind(oid);
    if (kind === 'array') {
      const { items, elementKind } = this.parseArray(String(text), oid);
      return { arrayValue: this.arrayValue(items, elementKind) } as Field;
    }
    const { key, value } = this.scalar(String(text), kind);
    return { [key]: value };
  }

  /** A value of `formattedRecords` (JSON): numbers, booleans, strings, arrays, null. */
  json(text: unknown, oid: number): unknown {
    if (text === null || text === undefined) return null;
    const kind = this.kind(oid);
    if (kind === 'array') {
      const { items, elementKind } = this.parseArray(String(text), oid);
      const convert = (list: unknown[]): unknown[] =>
        list.map((item) =>
          Array.isArray(item)
            ? convert(item)
            : item === null
              ? null
              : this.scalar(item as string, elementKind).value,
        );
      return convert(items);
    }
    return this.scalar(String(text), kind).value;
  }

  columnMetadata(field: { name: string; dataTypeID: number }) {
    const type = this.typeOf(field.dataTypeID);
    const typeName = type?.name ?? 'unknown';
    const [jdbcType, precision] = type?.category === 'A' ? [2003, 0] : (JDBC[typeName] ?? [1111, 2147483647]);
    const kind = this.kind(field.dataTypeID);
    return {
      name: field.name,
      label: field.name,
      type: jdbcType,
      typeName,
      schemaName: '',
      tableName: '',
      isAutoIncrement: false,
      isSigned: kind === 'long' || kind === 'double' || kind === 'decimal',
      isCurrency: typeName === 'money',
      isCaseSensitive: kind === 'string' && type?.category === 'S',
      nullable: 2,
      precision,
      scale: 0,
      arrayBaseColumnType: 0,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The database, its lock and its transactions

/** A FIFO lock: `acquire()` resolves, in call order, with the function that releases it. */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return acquired;
  }
}

interface OpenTransaction {
  id: string;
  /** Releases the database lock this transaction holds. */
  releaseDatabase: () => void;
  /** One call of this transaction at a time. */
  lock: Lock;
  timer?: NodeJS.Timeout;
  ended: boolean;
}

interface PgResult {
  rows: unknown[][];
  fields: { name: string; dataTypeID: number }[];
  command?: string;
  rowCount?: number;
}

const DML = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** PostgreSQL's error as the Data API words it (JDBC's message and the SQLSTATE). */
function sqlError(error: unknown): RdsDataError {
  const e = error as { message?: string; code?: string; detail?: string; hint?: string; position?: string };
  let message = `ERROR: ${e.message ?? String(error)}`;
  if (e.detail) message += `\n  Detail: ${e.detail}`;
  if (e.hint) message += `\n  Hint: ${e.hint}`;
  if (e.position) message += `\n  Position: ${e.position}`;
  if (e.code) message += `; SQLState: ${e.code}`;
  return databaseError(message);
}

class Database {
  private db?: Promise<PGlite>;
  private readonly pgTypes = new Map<number, PgType>();
  private readonly parsers: Record<number, (value: string) => string> = {};
  private readonly lock = new Lock();
  private readonly transactions = new Map<string, OpenTransaction>();
  /** Why recently ended transactions ended, for the NotFoundException's message. */
  private readonly endings = new Map<string, string>();
  /** The schemas standing in for the `database` names seen so far (created once). */
  private readonly schemas = new Set<string>();

  constructor(private readonly options: LocalRdsDataOptions) {}

  private state: 'not started' | 'starting' | 'ready' | { failed: string } = 'not started';

  /**
   * PGlite starts on first use (it takes seconds and ~0.8 GB): a test run or a `npm start` that never
   * asks for SQL never pays for it.
   */
  private pglite(): Promise<PGlite> {
    this.db ??= (async () => {
      this.state = 'starting';
      try {
        if (this.options.dataDir) mkdirSync(this.options.dataDir, { recursive: true });
        const db = await PGlite.create(this.options.dataDir ? { dataDir: this.options.dataDir } : {});
        await this.loadTypes(db);
        this.state = 'ready';
        return db;
      } catch (error) {
        this.state = { failed: (error as Error).message };
        throw error;
      }
    })();
    return this.db;
  }

  /** Without touching the database (an open transaction holds it). */
  health(): { ok: boolean; database: string; openTransactions: number } {
    const state = this.state;
    return {
      ok: typeof state === 'string',
      database: typeof state === 'string' ? state : `failed: ${state.failed}`,
      openTransactions: this.transactions.size,
    };
  }

  /** Every type's name and category; every value comes back as PostgreSQL's text, converted here. */
  private async loadTypes(db: PGlite): Promise<void> {
    const result = await db.query<{ oid: number; typname: string; typcategory: string; typelem: number }>(
      'SELECT oid::int4 AS oid, typname, typcategory, typelem::int4 AS typelem FROM pg_type',
    );
    for (const row of result.rows) {
      this.pgTypes.set(row.oid, { name: row.typname, category: row.typcategory, element: row.typelem });
      this.parsers[row.oid] = (value: string) => value;
    }
  }

  private async run(sql: string, parameters: SqlParameter[] | undefined): Promise<PgResult> {
    const db = await this.pglite();
    const { text, names } = toPositional(sql);
    const options = { rowMode: 'array' as const, parsers: this.parsers };
    let result: PgResult;
    try {
      if (parameters?.length || names.length) {
        const { values, oids } = bind(names, parameters ?? []);
        result = (await db.query(text, values, { ...options, paramTypes: oids })) as PgResult;
      } else {
        const all = (await db.exec(text, options)) as PgResult[];
        result = all.at(-1) ?? { rows: [], fields: [] };
      }
    } catch (error) {
      if (error instanceof RdsDataError) throw error;
      throw sqlError(error);
    }
    if (result.fields.some((f) => !this.pgTypes.has(f.dataTypeID))) await this.loadTypes(db);
    return result;
  }

  private describe(result: PgResult, request: Record<string, unknown>) {
    const results = new Results(
      (oid) => this.pgTypes.get(oid),
      (request.resultSetOptions ?? {}) as ResultOptions,
    );
    const numberOfRecordsUpdated = result.command && DML.has(result.command) ? (result.rowCount ?? 0) : 0;
    const hasRows = result.fields.length > 0;
    return {
      ...(request.includeResultMetadata && hasRows
        ? { columnMetadata: result.fields.map((f) => results.columnMetadata(f)) }
        : {}),
      ...(hasRows && request.formatRecordsAs === 'JSON'
        ? {
            formattedRecords: JSON.stringify(
              result.rows.map((row) =>
                Object.fromEntries(result.fields.map((f, i) => [f.name, results.json(row[i], f.dataTypeID)])),
              ),
            ),
          }
        : {}),
      ...(hasRows && request.formatRecordsAs !== 'JSON'
        ? {
            records: result.rows.map((row) =>
              result.fields.map((f, i) => results.field(row[i], f.dataTypeID)),
            ),
          }
        : {}),
      numberOfRecordsUpdated,
      generatedFields: [],
    };
  }

  private transaction(id: unknown): OpenTransaction {
    if (typeof id !== 'string' || !id) throw badRequest('transactionId is required.');
    const transaction = this.transactions.get(id);
    if (!transaction) {
      const why = this.endings.get(id);
      throw notFound(`Transaction ${id} is not found${why ? `: ${why}` : ''}`);
    }
    return transaction;
  }

  private end(transaction: OpenTransaction, why: string): void {
    transaction.ended = true;
    clearTimeout(transaction.timer);
    this.transactions.delete(transaction.id);
    this.endings.set(transaction.id, why);
    if (this.endings.size > 1000) this.endings.delete(this.endings.keys().next().value!);
    transaction.releaseDatabase();
  }

  private armTimer(transaction: OpenTransaction): void {
    clearTimeout(transaction.timer);
    transaction.timer = setTimeout(
      () => void this.expire(transaction),
      this.options.transactionTimeoutMs ?? TRANSACTION_TIMEOUT_MS,
    );
    transaction.timer.unref();
  }

  private async expire(transaction: OpenTransaction): Promise<void> {
    const release = await transaction.lock.acquire();
    try {
      if (transaction.ended) return;
      await (await this.pglite()).query('ROLLBACK').catch(() => undefined);
      this.end(transaction, 'it expired (no call for the transaction timeout) and was rolled back');
    } finally {
      release();
    }
  }

  /**
   * Points the connection at the schema standing in for the Data API's `database` (see the doc
   * comment above), creating it on first use. Called outside any transaction block, with the lock held.
   */
  private async enterDatabase(db: PGlite, database: unknown): Promise<void> {
    if (database !== undefined && database !== null && typeof database !== 'string') {
      throw badRequest('database must be a string.');
    }
    if (!database || database === 'postgres') {
      await db.query('SET search_path TO DEFAULT');
      return;
    }
    const schema = `"${database.replace(/"/g, '""')}"`;
    if (!this.schemas.has(database)) {
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      this.schemas.add(database);
    }
    await db.query(`SET search_path TO ${schema}`);
  }

  /**
   * Runs `work` inside the caller's transaction (one call of it at a time; a SQL error aborts it), or
   * with the database to itself: `atomic` in a transaction of its own (committed at once, or rolled
   * back), otherwise as PostgreSQL runs a lone statement (autocommit; several statements in one string
   * are one implicit transaction).
   */
  private async within<T>(
    transactionId: unknown,
    database: unknown,
    work: () => Promise<T>,
    atomic: boolean,
  ): Promise<T> {
    if (transactionId !== undefined && transactionId !== null && transactionId !== '') {
      const transaction = this.transaction(transactionId);
      const release = await transaction.lock.acquire();
      try {
        if (transaction.ended) this.transaction(transaction.id);
        clearTimeout(transaction.timer);
        try {
          return await work();
        } catch (error) {
          // A call refused before it reached the database (a missing parameter…) leaves it alone.
          if (!(error instanceof RdsDataError) || error.type === 'DatabaseErrorException') {
            await (await this.pglite()).query('ROLLBACK').catch(() => undefined);
            this.end(transaction, 'it was aborted by an error in a previous call and rolled back');
          }
          throw error;
        } finally {
          if (!transaction.ended) this.armTimer(transaction);
        }
      } finally {
        release();
      }
    }
    const db = await this.pglite();
    const release = await this.lock.acquire();
    try {
      await this.enterDatabase(db, database);
      if (!atomic) {
        // A script's own BEGIN must not leave the one connection inside a transaction (failed or not),
        // where every later call would run.
        let result: T;
        try {
          result = await work();
        } catch (error) {
          if (db.isInTransaction()) await db.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        if (db.isInTransaction()) {
          await db.query('ROLLBACK');
          throw badRequest(
            'The statement left a transaction open and was rolled back: use BeginTransaction and transactionId.',
          );
        }
        return result;
      }
      await db.query('BEGIN');
      try {
        const result = await work();
        await db.query('COMMIT');
        return result;
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (error instanceof RdsDataError) throw error;
      throw sqlError(error);
    } finally {
      release();
    }
  }

  async executeStatement(request: Record<string, unknown>) {
    requireCaller(request);
    const sql = requireSql(request);
    const parameters = parametersOf(request.parameters, 'parameters');
    return this.within(
      request.transactionId,
      request.database,
      async () => this.describe(await this.run(sql, parameters), request),
      false,
    );
  }

  async batchExecuteStatement(request: Record<string, unknown>) {
    requireCaller(request);
    const sql = requireSql(request);
    const sets = request.parameterSets;
    if (sets !== undefined && !Array.isArray(sets)) throw badRequest('parameterSets must be a list.');
    const parameterSets = (sets ?? []).map((set, i) => parametersOf(set, `parameterSets[${i}]`) ?? []);
    return this.within(
      request.transactionId,
      request.database,
      async () => {
        if (parameterSets.length === 0) {
          await this.run(sql, undefined);
          return { updateResults: [] };
        }
        const updateResults = [];
        for (const parameters of parameterSets) {
          await this.run(sql, parameters);
          updateResults.push({ generatedFields: [] });
        }
        return { updateResults };
      },
      true,
    );
  }

  async beginTransaction(request: Record<string, unknown>) {
    requireCaller(request);
    const db = await this.pglite();
    const releaseDatabase = await this.lock.acquire();
    try {
      await this.enterDatabase(db, request.database);
      await db.query('BEGIN');
    } catch (error) {
      releaseDatabase();
      throw error instanceof RdsDataError ? error : sqlError(error);
    }
    // AWS's ids are long opaque base64 strings too.
    const transaction: OpenTransaction = {
      id: randomBytes(48).toString('base64'),
      releaseDatabase,
      lock: new Lock(),
      ended: false,
    };
    this.transactions.set(transaction.id, transaction);
    this.armTimer(transaction);
    return { transactionId: transaction.id };
  }

  private async finish(request: Record<string, unknown>, sql: 'COMMIT' | 'ROLLBACK') {
    requireCaller(request);
    const transaction = this.transaction(request.transactionId);
    const release = await transaction.lock.acquire();
    try {
      if (transaction.ended) this.transaction(transaction.id);
      const db = await this.pglite();
      try {
        await db.query(sql);
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw sqlError(error);
      } finally {
        this.end(transaction, sql === 'COMMIT' ? 'it was committed' : 'it was rolled back');
      }
    } finally {
      release();
    }
  }

  async commitTransaction(request: Record<string, unknown>) {
    await this.finish(request, 'COMMIT');
    return { transactionStatus: 'Transaction Committed' };
  }

  async rollbackTransaction(request: Record<string, unknown>) {
    await this.finish(request, 'ROLLBACK');
    return { transactionStatus: 'Rollback Complete' };
  }

  async close(): Promise<void> {
    for (const transaction of this.transactions.values()) clearTimeout(transaction.timer);
    if (this.db) await (await this.db).close();
  }
}

function requireCaller(request: Record<string, unknown>): void {
  for (const key of ['resourceArn', 'secretArn']) {
    const value = request[key];
    if (typeof value !== 'string' || !value) throw badRequest(`${key} is required.`);
  }
}

function requireSql(request: Record<string, unknown>): string {
  if (typeof request.sql !== 'string' || !request.sql.trim()) throw badRequest('sql is required.');
  return request.sql;
}

function parametersOf(value: unknown, where: string): SqlParameter[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw badRequest(`${where} must be a list.`);
  return value as SqlParameter[];
}

// ---------------------------------------------------------------------------------------------
// HTTP

const reply = (response: ServerResponse, status: number, body: unknown, errorType?: string): void =>
  replyJson(response, 'application/json', status, body, errorType);

/**
 * The health of the endpoint at `endpoint`, for the runtime's health check: `GET /health` (not a Data API
 * operation) answers without touching the database, which an open transaction may be holding.
 */
export async function rdsDataHealth(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { ok: boolean; database: string };
  if (!body.ok) throw new Error(`the database ${body.database}`);
}

/** Starts the endpoint on 127.0.0.1 (port 0: any free port). */
export async function startLocalRdsData(options: LocalRdsDataOptions = {}): Promise<LocalRdsData> {
  const database = new Database(options);
  const operations = new Map<string, (input: Record<string, unknown>) => Promise<unknown>>([
    ['/Execute', (i) => database.executeStatement(i)],
    ['/BatchExecute', (i) => database.batchExecuteStatement(i)],
    ['/BeginTransaction', (i) => database.beginTransaction(i)],
    ['/CommitTransaction', (i) => database.commitTransaction(i)],
    ['/RollbackTransaction', (i) => database.rollbackTransaction(i)],
  ]);

  const server = createServer(async (request, response) => {
    try {
      const path = (request.url ?? '/').split('?')[0]!;
      if (request.method === 'GET' && path === '/health') {
        const health = database.health();
        reply(response, health.ok ? 200 : 503, health);
        return;
      }
      const operation = operations.get(path);
      if (request.method !== 'POST' || !operation) {
        throw new RdsDataError(
          'UnknownOperationException',
          404,
          `${request.method} ${path} is not a Data API operation this endpoint supports`,
        );
      }
      const text = await readBody(request, MAX_BODY_BYTES, () => badRequest('Request body too large.'));
      let input: unknown;
      try {
        input = text ? JSON.parse(text) : {};
      } catch {
        throw badRequest('The request body is not JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw badRequest('The request body must be a JSON object.');
      }
      reply(response, 200, await operation(input as Record<string, unknown>));
    } catch (error) {
      if (error instanceof RdsDataError) {
        reply(response, error.status, { message: error.message }, error.type);
      } else {
        reply(response, 500, { message: (error as Error).message }, 'InternalServerErrorException');
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await database.close();
    },
  };
}
