import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiSql, type DatabaseConfig, SqlError } from '../lib/data-api.ts';
import { applyMigrations, MigrationError, type MigrationFile, migrationFiles } from '../lib/migrations.ts';
import { DATABASE_ENV } from '../lib/topology.ts';
import { type Provisioned, provision } from '../local/provision.ts';
import { reportingService } from '../services/reporting/service.ts';
import { provisionFor } from './support/env.ts';

/**
 * The reporting database, provisioned from its declaration on the local Data API, and the SQL port
 * (`DataApiSql`) every reporting store uses, through the real @aws-sdk/client-rds-data client.
 */
let provisioned: Provisioned;
let sql: DataApiSql;

/** A fresh, empty database of its own on the local Data API (each name is isolated there). */
const freshDatabase = (label: string): DataApiSql => {
  const database = `t${ulid().slice(-8).toLowerCase()}_${label}`;
  const config: DatabaseConfig = {
    database,
    clusterArn: `arn:aws:rds:us-east-1:000000000000:cluster:${database}`,
    secretArn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${database}-db`,
  };
  return new DataApiSql(config);
};

const tablesOf = async (db: DataApiSql): Promise<string[]> =>
  (
    await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    )
  ).map((r) => r.table_name);

beforeAll(async () => {
  provisioned = await provisionFor([reportingService]);
  sql = DataApiSql.fromEnv();
});

describe('local provisioning of a service database', () => {
  it('creates the reporting database under the prefix, exports it in DATABASE_ENV and applies its migrations', async () => {
    const { prefix } = provisioned;
    expect(provisioned.databases).toEqual([
      {
        service: 'reporting',
        name: 'reporting',
        database: `${prefix}_reporting`,
        clusterArn: `arn:aws:rds:us-east-1:000000000000:cluster:${prefix}-reporting`,
        secretArn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${prefix}-reporting-db`,
        applied: migrationFiles(reportingService.database.migrations).map((f) => f.name),
      },
    ]);
    expect(provisioned.env[DATABASE_ENV.name]).toBe(`${prefix}_reporting`);
    expect(provisioned.env[DATABASE_ENV.clusterArn]).toBe(provisioned.databases[0]!.clusterArn);
    expect(provisioned.env[DATABASE_ENV.secretArn]).toBe(provisioned.databases[0]!.secretArn);

    expect(await tablesOf(sql)).toEqual(
      expect.arrayContaining([
        'dim_product',
        'dim_location',
        'dim_supplier',
        'dim_date',
        'fact_movement',
        'level_current',
        'fact_level_daily',
        'fact_order_line',
        'fact_receipt',
        'fact_po_line',
        'fact_reservation_event',
        'processed_event',
        'schema_migrations',
      ]),
    );
    const recorded = await sql.query<{ version: string; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(recorded).toEqual(
      migrationFiles(reportingService.database.migrations).map((f) => ({
        version: f.name.slice(0, 3),
        name: f.name,
      })),
    );
  });

  it('provisioning the same prefix again applies nothing and keeps the data', async () => {
    await sql.execute(`INSERT INTO dim_location (location_id, name) VALUES ('keep', 'Kept')`);

    const again = await provision(provisioned.prefix, [reportingService]);

    expect(again.databases[0]!.applied).toEqual([]);
    expect(await sql.query(`SELECT name FROM dim_location WHERE location_id = 'keep'`)).toEqual([
      { name: 'Kept' },
    ]);
  });

  it('gives every prefix a database of its own: what one writes the other does not see', async () => {
    const other = await provision(`o${ulid().slice(-8).toLowerCase()}`, [reportingService]);
    const otherSql = new DataApiSql(other.databases[0]!);
    await sql.execute(`INSERT INTO dim_supplier (supplier_id, name) VALUES ('only-here', 'A')`);

    expect(other.databases[0]!.applied).toEqual(provisioned.databases[0]!.applied);
    expect(await otherSql.query(`SELECT * FROM dim_supplier WHERE supplier_id = 'only-here'`)).toEqual([]);
    expect(await sql.query(`SELECT name FROM dim_supplier WHERE supplier_id = 'only-here'`)).toEqual([
      { name: 'A' },
    ]);
  });

  it('refuses a second service with a database of another name (DATABASE_ENV names one)', async () => {
    const rival = {
      ...reportingService,
      name: 'rival',
      database: { ...reportingService.database, name: 'rival' },
    };
    await expect(provision(`r${ulid().slice(-8).toLowerCase()}`, [reportingService, rival])).rejects.toThrow(
      /rival service declares the database rival, but reporting already has reporting/,
    );
  });
});

describe('migrations', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const folder = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('a migration that fails leaves nothing of itself behind, keeps the ones before it, and names its file', async () => {
    const db = freshDatabase('failing');
    const files = migrationFiles(
      folder({
        '001_ok.sql': 'CREATE TABLE first_ok (id int PRIMARY KEY);',
        '002_bad.sql': `CREATE TABLE half_done (id int);
          INSERT INTO half_done VALUES (1);
          INSERT INTO no_such_table VALUES (1);`,
        '003_never.sql': 'CREATE TABLE never_reached (id int);',
      }),
    );

    const failure = await applyMigrations(db, files).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).file).toBe('002_bad.sql');
    expect((failure as Error).message).toMatch(
      /Migration 002_bad\.sql failed.*no_such_table.*does not exist/s,
    );
    expect(((failure as Error).cause as SqlError).sqlState).toBe('42P01');
    expect(await tablesOf(db)).toEqual(['first_ok', 'schema_migrations']);
    expect(await db.query('SELECT version FROM schema_migrations')).toEqual([{ version: '001' }]);
  });

  it('after a fix, the next run applies the failed file and the rest', async () => {
    const db = freshDatabase('fixed');
    const ok = { name: '001_ok.sql', sql: 'CREATE TABLE a (id int);' };
    await expect(
      applyMigrations(db, [ok, { name: '002_b.sql', sql: 'CREATE TABLE b (id int REFERENCES nowhere);' }]),
    ).rejects.toThrow(/002_b\.sql/);

    const { applied } = await applyMigrations(db, [
      ok,
      { name: '002_b.sql', sql: 'CREATE TABLE b (id int);' },
      { name: '003_c.sql', sql: 'CREATE TABLE c (id int);' },
    ]);

    expect(applied).toEqual(['002_b.sql', '003_c.sql']);
    expect(await tablesOf(db)).toEqual(['a', 'b', 'c', 'schema_migrations']);
  });

  // The bug this guards: two deploys (or a deploy and a provisioning) migrating at once both see
  // 002 pending and both run it — its INSERT twice, or a "relation already exists" failure.
  it('two runners at once apply each migration exactly once', async () => {
    const db = freshDatabase('concurrent');
    const files: MigrationFile[] = [
      { name: '001_counter.sql', sql: 'CREATE TABLE runs (n int NOT NULL); INSERT INTO runs VALUES (1);' },
      { name: '002_more.sql', sql: 'INSERT INTO runs VALUES (2);' },
      {
        name: '003_function.sql',
        sql: `CREATE FUNCTION total_runs() RETURNS bigint LANGUAGE sql AS $$ SELECT sum(n) FROM runs; $$;`,
      },
    ];

    const [one, two] = await Promise.all([applyMigrations(db, files), applyMigrations(db, files)]);

    expect([...one.applied, ...two.applied].sort()).toEqual(files.map((f) => f.name));
    expect(await db.query('SELECT n FROM runs ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await db.query('SELECT total_runs()::int AS total')).toEqual([{ total: 3 }]);
  });

  it('reads NNN_*.sql files in version order and refuses a .sql file named otherwise', () => {
    const dir = folder({ '010_ten.sql': 'x', '002_two.sql': 'y', '001_one.sql': 'z', 'README.md': '' });
    expect(migrationFiles(dir).map((f) => f.name)).toEqual(['001_one.sql', '002_two.sql', '010_ten.sql']);

    writeFileSync(join(dir, 'seed.sql'), '');
    expect(() => migrationFiles(dir)).toThrow(/seed\.sql is not named NNN_description\.sql/);
  });
});

describe('DataApiSql through the local Data API', () => {
  let db: DataApiSql;
  beforeAll(async () => {
    db = freshDatabase('port');
    await db.execute(`CREATE TABLE things (
      id      text PRIMARY KEY,
      day     date,
      at      timestamptz,
      amount  numeric(12, 2),
      attrs   jsonb,
      qty     integer,
      ratio   float8,
      active  boolean,
      note    text
    )`);
  });

  it('binds typed parameters (date, timestamp, decimal, json, null) and reads rows back as plain objects', async () => {
    const inserted = await db.execute(
      `INSERT INTO things (id, day, at, amount, attrs, qty, ratio, active, note)
       VALUES (:id, :day, :at, :amount, :attrs, :qty, :ratio, :active, :note)`,
      {
        id: 'typed',
        day: { date: '2026-12-03' },
        at: { timestamp: '2026-12-03T10:15:30.250Z' },
        amount: { decimal: '12.50' },
        attrs: { json: { colour: 'blue', sizes: [1, 2] } },
        qty: 7,
        ratio: 0.25,
        active: true,
        note: null,
      },
    );

    const rows = await db.query(
      `SELECT id, day, (at AT TIME ZONE 'UTC')::text AS at_utc, amount, attrs, attrs->>'colour' AS colour,
              qty, ratio, active, note
       FROM things WHERE id = :id AND day = :day`,
      { id: 'typed', day: { date: '2026-12-03' } },
    );

    expect(inserted).toEqual({ updated: 1 });
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      id: 'typed',
      day: '2026-12-03',
      at_utc: '2026-12-03 10:15:30.25',
      amount: '12.50',
      colour: 'blue',
      qty: 7,
      ratio: 0.25,
      active: true,
      note: null,
    });
    expect(JSON.parse(row.attrs as string)).toEqual({ colour: 'blue', sizes: [1, 2] });
  });

  it('stores nulls of every typed kind', async () => {
    await db.execute('INSERT INTO things (id, day, amount, attrs) VALUES (:id, :day, :amount, :attrs)', {
      id: 'nulls',
      day: null,
      amount: null,
      attrs: { json: null },
    });
    expect(await db.query(`SELECT day, amount, attrs FROM things WHERE id = 'nulls'`)).toEqual([
      { day: null, amount: null, attrs: null },
    ]);
  });

  it('returns no rows for a statement without a result set, and counts what an update changed', async () => {
    await db.batch('INSERT INTO things (id, qty) VALUES (:id, :qty)', [
      { id: 'u1', qty: 1 },
      { id: 'u2', qty: 1 },
    ]);
    expect(await db.execute(`UPDATE things SET qty = qty + 1 WHERE id IN ('u1', 'u2')`)).toEqual({
      updated: 2,
    });
    expect(await db.query(`UPDATE things SET qty = 0 WHERE id = 'none'`)).toEqual([]);
  });

  it('runs a batch of more sets than one call takes, all or nothing', async () => {
    const sets = Array.from({ length: 1100 }, (_, i) => ({ id: `b-${i}`, qty: i }));

    // The last set collides with the first: nothing of the 1,100 may remain.
    await expect(
      db.batch('INSERT INTO things (id, qty) VALUES (:id, :qty)', [...sets, { id: 'b-0', qty: 0 }]),
    ).rejects.toBeInstanceOf(SqlError);
    expect(await db.query(`SELECT count(*)::int AS n FROM things WHERE id LIKE 'b-%'`)).toEqual([{ n: 0 }]);

    await db.batch('INSERT INTO things (id, qty) VALUES (:id, :qty)', sets);
    expect(
      await db.query(`SELECT count(*)::int AS n, sum(qty)::int AS s FROM things WHERE id LIKE 'b-%'`),
    ).toEqual([{ n: 1100, s: (1099 * 1100) / 2 }]);
  });

  it('commits a transaction and returns what its work returned', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.execute(`INSERT INTO things (id, qty) VALUES ('tx-1', 1)`);
      await tx.batch('INSERT INTO things (id, qty) VALUES (:id, :qty)', [{ id: 'tx-2', qty: 2 }]);
      return (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM things WHERE id LIKE 'tx-%'`))[0]!
        .n;
    });
    expect(result).toBe(2);
    expect(await db.query(`SELECT id FROM things WHERE id LIKE 'tx-%' ORDER BY id`)).toEqual([
      { id: 'tx-1' },
      { id: 'tx-2' },
    ]);
  });

  it('rolls a transaction back when its work throws, and rethrows that error', async () => {
    const boom = new Error('work failed');
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO things (id, qty) VALUES ('rolled-back', 1)`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db.query(`SELECT id FROM things WHERE id = 'rolled-back'`)).toEqual([]);
  });

  it("rolls back on a SQL error inside the transaction and reports PostgreSQL's message and SQLSTATE", async () => {
    const error = await db
      .transaction(async (tx) => {
        await tx.execute(`INSERT INTO things (id, qty) VALUES ('dup', 1)`);
        await tx.execute(`INSERT INTO things (id, qty) VALUES ('dup', 2)`);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlError);
    expect((error as SqlError).sqlState).toBe('23505');
    expect((error as Error).message).toMatch(/duplicate key value violates unique constraint/);
    expect(await db.query(`SELECT id FROM things WHERE id = 'dup'`)).toEqual([]);
  });
});
