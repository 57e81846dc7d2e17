/**
 * SQL over the RDS Data API (Aurora PostgreSQL in AWS; locally the same client against the local
 * Data API endpoint backed by PGlite, `local/rds-data.ts`). The port the reporting service's
 * stores are written against; `DataApiSql` (lib/data-api.ts) implements it with
 * `@aws-sdk/client-rds-data`.
 *
 * Parameters are named (`:sku`) as the Data API has them. A plain JS value maps to its Data API
 * field (string → stringValue, integer → longValue, other number → doubleValue, boolean,
 * null → isNull); a typed value carries the Data API's `typeHint`, so `{ date: '2026-12-03' }`
 * is a DATE, `{ timestamp: iso }` a TIMESTAMP, `{ decimal: '12.50' }` a DECIMAL, `{ json: value }`
 * a JSON parameter.
 */
export type SqlScalar = string | number | boolean | null;
export type SqlValue =
  | SqlScalar
  | { date: string }
  | { timestamp: string }
  | { decimal: string }
  | { json: unknown };
export type SqlParams = Readonly<Record<string, SqlValue>>;

export interface Sql {
  /** Rows as plain objects (column name → JS value: numbers, strings, booleans, null). */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: SqlParams,
  ): Promise<Row[]>;
  /** A statement that changes rows: how many it changed. */
  execute(sql: string, params?: SqlParams): Promise<{ updated: number }>;
  /** One statement, once per parameter set, all or nothing. */
  batch(sql: string, paramSets: readonly SqlParams[]): Promise<void>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}
