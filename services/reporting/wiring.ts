import { DataApiSql } from '../../lib/data-api.ts';
import type { Sql } from '../../lib/sql.ts';
import { ReadModel } from './projection.ts';

/** The reporting service, wired once per process on first use: SQL through the RDS Data API. */
let sql: Sql | undefined;
let readModel: ReadModel | undefined;

export const defaultSql = (): Sql => {
  sql ??= DataApiSql.fromEnv();
  return sql;
};

export const defaultReadModel = (): ReadModel => {
  readModel ??= new ReadModel(defaultSql());
  return readModel;
};
