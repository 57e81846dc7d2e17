import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BadRequestException,
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  NotFoundException,
  RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalRdsData, rdsDataHealth, startLocalRdsData, toPositional } from './rds-data.ts';

// The local Data API is only worth having if the real SDK client cannot tell it from AWS: every
// call below goes through @aws-sdk/client-rds-data, errors included.
const clientFor = (endpoint: string) =>
  new RDSDataClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

const cluster = {
  resourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:reporting',
  secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:reporting-abcdef',
  database: 'reporting',
};

describe('named parameters become positional ones', () => {
  it('numbers each name once and leaves literals, identifiers, dollar quotes, comments and casts alone', () => {
    const sql = `SELECT :a, :b::int, ':c', E'\\':d', "x:e", $$ :f $$, $t$ :g $t$ -- :h
      /* :i /* :j */ :k */ , :a, a[1:2] FROM t WHERE s = :b_2`;
    const { text, names } = toPositional(sql);
    expect(names).toEqual(['a', 'b', 'b_2']);
    expect(text).toBe(`SELECT $1, $2::int, ':c', E'\\':d', "x:e", $$ :f $$, $t$ :g $t$ -- :h
      /* :i /* :j */ :k */ , $1, a[1:2] FROM t WHERE s = $3`);
  });
});

describe('the local RDS Data API, through the real SDK client', () => {
  let server: LocalRdsData;
  let client: RDSDataClient;
  const execute = (input: Omit<ExecuteStatementCommandInput, 'resourceArn' | 'secretArn'>) =>
    client.send(new ExecuteStatementCommand({ ...cluster, ...input }));
  const count = async (table: string, transactionId?: string) =>
    (await execute({ sql: `SELECT count(*) AS n FROM ${table}`, transactionId })).records![0]![0]!.longValue;

  beforeAll(async () => {
    server = await startLocalRdsData();
    client = clientFor(server.endpoint);
    await execute({
      sql: `CREATE TABLE items (
        id bigserial PRIMARY KEY,
        sku text NOT NULL,
        qty int4,
        big int8,
        price numeric(12, 2),
        ratio float8,
        active bool,
        picture bytea,
        day date,
        at_time time,
        at timestamp,
        at_tz timestamptz,
        attrs jsonb,
        ref uuid,
        tags text[]
      );
      CREATE TABLE ledger (n int4 PRIMARY KEY);`,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const itemParameters = (sku: string): SqlParameter[] => [
    { name: 'sku', value: { stringValue: sku } },
    { name: 'qty', value: { longValue: 7 } },
    { name: 'big', value: { longValue: 9_007_199_254_740_991 } },
    { name: 'price', value: { stringValue: '12.50' }, typeHint: 'DECIMAL' },
    { name: 'ratio', value: { doubleValue: 0.25 } },
    { name: 'active', value: { booleanValue: true } },
    { name: 'picture', value: { blobValue: new Uint8Array([0, 1, 254, 255]) } },
    { name: 'day', value: { stringValue: '2026-03-01' }, typeHint: 'DATE' },
    { name: 'atTime', value: { stringValue: '13:45:00.250' }, typeHint: 'TIME' },
    { name: 'at', value: { stringValue: '2026-03-01 13:45:00.250' }, typeHint: 'TIMESTAMP' },
    { name: 'attrs', value: { stringValue: '{"colour":"blue","sizes":[1,2]}' }, typeHint: 'JSON' },
    { name: 'ref', value: { stringValue: '7d444840-9dc0-11d1-b245-5ffdce74fad2' }, typeHint: 'UUID' },
  ];
  const insertItem = `INSERT INTO items (sku, qty, big, price, ratio, active, picture, day, at_time, at, at_tz, attrs, ref, tags)
    VALUES (:sku, :qty, :big, :price, :ratio, :active, :picture, :day, :atTime, :at, :at, :attrs, :ref, ARRAY['a', 'b'])`;

  it('inserts named parameters of every type and reads them back as Data API fields', async () => {
    const inserted = await execute({ sql: insertItem, parameters: itemParameters('SKU-1') });
    const nulls = await execute({
      sql: 'INSERT INTO items (sku, qty, price, day, attrs, picture) VALUES (:sku, :qty, :price, :day, :attrs, :picture)',
      parameters: [
        { name: 'sku', value: { stringValue: 'SKU-NULL' } },
        { name: 'qty', value: { isNull: true } },
        { name: 'price', value: { isNull: true }, typeHint: 'DECIMAL' },
        { name: 'day', value: { isNull: true } },
        { name: 'attrs', value: { isNull: true } },
        { name: 'picture', value: { isNull: true } },
      ],
    });

    const read = await execute({
      sql: `SELECT sku, qty, big, price, ratio, active, picture, day, at_time, at, attrs, ref, tags
            FROM items WHERE sku = :sku`,
      parameters: [{ name: 'sku', value: { stringValue: 'SKU-1' } }],
    });
    const empty = await execute({
      sql: 'SELECT qty, price, day, attrs, picture FROM items WHERE sku = :sku',
      parameters: [{ name: 'sku', value: { stringValue: 'SKU-NULL' } }],
    });

    expect(inserted.numberOfRecordsUpdated).toBe(1);
    expect(nulls.numberOfRecordsUpdated).toBe(1);
    expect(inserted.records).toBeUndefined();
    const [row] = read.records!;
    expect(row).toEqual([
      { stringValue: 'SKU-1' },
      { longValue: 7 },
      { longValue: 9_007_199_254_740_991 },
      { stringValue: '12.50' },
      { doubleValue: 0.25 },
      { booleanValue: true },
      { blobValue: new Uint8Array([0, 1, 254, 255]) },
      { stringValue: '2026-03-01' },
      { stringValue: '13:45:00.25' },
      { stringValue: '2026-03-01 13:45:00.25' },
      { stringValue: '{"sizes": [1, 2], "colour": "blue"}' },
      { stringValue: '7d444840-9dc0-11d1-b245-5ffdce74fad2' },
      { arrayValue: { stringValues: ['a', 'b'] } },
    ]);
    expect(read.numberOfRecordsUpdated).toBe(0);
    expect(empty.records).toEqual([
      [{ isNull: true }, { isNull: true }, { isNull: true }, { isNull: true }, { isNull: true }],
    ]);
  });

  it('answers formatRecordsAs JSON with formattedRecords, and column metadata when asked', async () => {
    const result = await execute({
      sql: `SELECT sku, qty, price, ratio, active, day, tags, id AS "itemId"
            FROM items WHERE sku = :sku`,
      parameters: [{ name: 'sku', value: { stringValue: 'SKU-1' } }],
      formatRecordsAs: 'JSON',
      includeResultMetadata: true,
    });

    expect(result.records).toBeUndefined();
    expect(JSON.parse(result.formattedRecords!)).toEqual([
      {
        sku: 'SKU-1',
        qty: 7,
        price: '12.50',
        ratio: 0.25,
        active: true,
        day: '2026-03-01',
        tags: ['a', 'b'],
        itemId: expect.any(Number),
      },
    ]);
    expect(result.columnMetadata?.map((c) => [c.name, c.label, c.typeName, c.type])).toEqual([
      ['sku', 'sku', 'text', 12],
      ['qty', 'qty', 'int4', 4],
      ['price', 'price', 'numeric', 2],
      ['ratio', 'ratio', 'float8', 8],
      ['active', 'active', 'bool', -7],
      ['day', 'day', 'date', 91],
      ['tags', 'tags', '_text', 2003],
      ['itemId', 'itemId', 'int8', -5],
    ]);
  });

  it('refuses what AWS refuses: a stringValue for a date column without its typeHint, a badly formatted TIMESTAMP', async () => {
    // The Data API binds a stringValue as varchar: PostgreSQL will not assign that to a date.
    await expect(
      execute({
        sql: 'INSERT INTO items (sku, day) VALUES (:sku, :day)',
        parameters: [
          { name: 'sku', value: { stringValue: 'SKU-X' } },
          { name: 'day', value: { stringValue: '2026-03-01' } },
        ],
      }),
    ).rejects.toThrow(/column "day" is of type date but expression is of type character varying/);
    await expect(
      execute({
        sql: 'SELECT :at AS at',
        parameters: [{ name: 'at', value: { stringValue: '2026-03-01T13:45:00Z' }, typeHint: 'TIMESTAMP' }],
      }),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('counts the rows an update changed, and returns rows of RETURNING', async () => {
    await execute({ sql: insertItem, parameters: itemParameters('SKU-2') });
    await execute({ sql: insertItem, parameters: itemParameters('SKU-3') });

    const updated = await execute({
      sql: "UPDATE items SET qty = qty + :by WHERE sku IN ('SKU-2', 'SKU-3') RETURNING sku",
      parameters: [{ name: 'by', value: { longValue: 3 } }],
    });
    const none = await execute({ sql: "DELETE FROM items WHERE sku = 'nothing'" });

    expect(updated.numberOfRecordsUpdated).toBe(2);
    expect(updated.records?.map((r) => r[0]!.stringValue).sort()).toEqual(['SKU-2', 'SKU-3']);
    expect(none.numberOfRecordsUpdated).toBe(0);
  });

  it('commits a transaction, and a rolled-back one leaves nothing behind', async () => {
    const committed = await client.send(new BeginTransactionCommand(cluster));
    await execute({ sql: 'INSERT INTO ledger VALUES (1)', transactionId: committed.transactionId });
    await execute({ sql: 'INSERT INTO ledger VALUES (2)', transactionId: committed.transactionId });
    const commit = await client.send(
      new CommitTransactionCommand({ ...cluster, transactionId: committed.transactionId }),
    );

    const rolledBack = await client.send(new BeginTransactionCommand(cluster));
    await execute({ sql: 'INSERT INTO ledger VALUES (3)', transactionId: rolledBack.transactionId });
    expect(await count('ledger', rolledBack.transactionId)).toBe(3);
    const rollback = await client.send(
      new RollbackTransactionCommand({ ...cluster, transactionId: rolledBack.transactionId }),
    );

    expect(commit.transactionStatus).toBe('Transaction Committed');
    expect(rollback.transactionStatus).toBe('Rollback Complete');
    expect(await count('ledger')).toBe(2);
    await expect(
      client.send(new CommitTransactionCommand({ ...cluster, transactionId: rolledBack.transactionId })),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(execute({ sql: 'SELECT 1', transactionId: 'no-such-transaction' })).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('keeps other calls out of an open transaction: they wait for its end and see only what it committed', async () => {
    // PGlite is one connection: a statement let in between a transaction's calls would run inside it
    // (seeing, and sharing the fate of, its uncommitted rows).
    await execute({ sql: 'DELETE FROM ledger' });
    const { transactionId } = await client.send(new BeginTransactionCommand(cluster));
    await execute({ sql: 'INSERT INTO ledger VALUES (10)', transactionId });

    let outsideDone = false;
    const outside = count('ledger').then((n) => {
      outsideDone = true;
      return n;
    });
    const outsideWrite = execute({ sql: 'INSERT INTO ledger VALUES (99)' });
    // Calls of the transaction itself still go in, several at once.
    await Promise.all(
      [11, 12, 13].map((n) => execute({ sql: `INSERT INTO ledger VALUES (${n})`, transactionId })),
    );
    expect(await count('ledger', transactionId)).toBe(4);
    expect(outsideDone).toBe(false);
    // The health check does not wait for the database.
    const health = await fetch(`${server.endpoint}/health`);
    expect(await health.json()).toEqual({ ok: true, database: 'ready', openTransactions: 1 });
    await client.send(new RollbackTransactionCommand({ ...cluster, transactionId }));

    expect(await outside).toBe(0);
    await outsideWrite;
    expect(await count('ledger')).toBe(1);
  });

  it('runs a batch per parameter set, all or nothing, in or out of a transaction', async () => {
    await execute({ sql: 'DELETE FROM ledger' });
    const batch = await client.send(
      new BatchExecuteStatementCommand({
        ...cluster,
        sql: 'INSERT INTO ledger VALUES (:n)',
        parameterSets: [1, 2, 3].map((n) => [{ name: 'n', value: { longValue: n } }]),
      }),
    );
    // The third set collides with the first: nothing of this batch stays.
    const failed = client.send(
      new BatchExecuteStatementCommand({
        ...cluster,
        sql: 'INSERT INTO ledger VALUES (:n)',
        parameterSets: [4, 5, 1].map((n) => [{ name: 'n', value: { longValue: n } }]),
      }),
    );
    await expect(failed).rejects.toBeInstanceOf(DatabaseErrorException);
    const { transactionId } = await client.send(new BeginTransactionCommand(cluster));
    await client.send(
      new BatchExecuteStatementCommand({
        ...cluster,
        transactionId,
        sql: 'INSERT INTO ledger VALUES (:n)',
        parameterSets: [6, 7].map((n) => [{ name: 'n', value: { longValue: n } }]),
      }),
    );
    await client.send(new CommitTransactionCommand({ ...cluster, transactionId }));

    expect(batch.updateResults).toHaveLength(3);
    const rows = await execute({ sql: 'SELECT n FROM ledger ORDER BY n', formatRecordsAs: 'JSON' });
    expect(JSON.parse(rows.formattedRecords!)).toEqual([1, 2, 3, 6, 7].map((n) => ({ n })));
  });

  it("surfaces a SQL error with PostgreSQL's message, and aborts the transaction it happened in", async () => {
    const error = await execute({ sql: 'SELECT * FROM no_such_table' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseErrorException);
    expect((error as Error).message).toMatch(/relation "no_such_table" does not exist.*SQLState: 42P01/s);

    // A failing script with its own BEGIN leaves nothing behind, and the next call works.
    await expect(
      execute({ sql: 'BEGIN; INSERT INTO ledger VALUES (500); SELECT 1 / 0; COMMIT;' }),
    ).rejects.toThrow(/division by zero/);
    await expect(execute({ sql: 'BEGIN; INSERT INTO ledger VALUES (501)' })).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await execute({ sql: 'DELETE FROM ledger' });
    const { transactionId } = await client.send(new BeginTransactionCommand(cluster));
    await execute({ sql: 'INSERT INTO ledger VALUES (1)', transactionId });
    await expect(execute({ sql: 'INSERT INTO ledger VALUES (1)', transactionId })).rejects.toThrow(
      /duplicate key value violates unique constraint/,
    );
    await expect(
      client.send(new CommitTransactionCommand({ ...cluster, transactionId })),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect(await count('ledger')).toBe(0);
  });

  it('refuses a call without resourceArn or secretArn, or without sql, with BadRequestException', async () => {
    await expect(
      client.send(new ExecuteStatementCommand({ secretArn: cluster.secretArn, sql: 'SELECT 1' } as never)),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      client.send(
        new ExecuteStatementCommand({ resourceArn: cluster.resourceArn, sql: 'SELECT 1' } as never),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(client.send(new ExecuteStatementCommand({ ...cluster, sql: '' }))).rejects.toBeInstanceOf(
      BadRequestException,
    );
    await expect(
      execute({ sql: 'SELECT :missing', parameters: [{ name: 'other', value: { longValue: 1 } }] }),
    ).rejects.toThrow(/No value specified for parameter: missing/);
  });
});

describe('the local RDS Data API, idle transactions', () => {
  let server: LocalRdsData;
  let client: RDSDataClient;
  beforeAll(async () => {
    server = await startLocalRdsData({ transactionTimeoutMs: 200 });
    client = clientFor(server.endpoint);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('rolls back a transaction left idle, and lets the waiting calls in', async () => {
    await client.send(new ExecuteStatementCommand({ ...cluster, sql: 'CREATE TABLE t (n int4)' }));
    const { transactionId } = await client.send(new BeginTransactionCommand(cluster));
    await client.send(
      new ExecuteStatementCommand({ ...cluster, transactionId, sql: 'INSERT INTO t VALUES (1)' }),
    );

    const waiting = await client.send(
      new ExecuteStatementCommand({ ...cluster, sql: 'SELECT count(*) FROM t' }),
    );

    expect(waiting.records?.[0]?.[0]?.longValue).toBe(0);
    await expect(client.send(new CommitTransactionCommand({ ...cluster, transactionId }))).rejects.toThrow(
      /not found: it expired/,
    );
  });
});

describe('the local RDS Data API, persisted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'azura-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its data across a restart', async () => {
    const first = await startLocalRdsData({ dataDir: dir });
    const firstClient = clientFor(first.endpoint);
    await firstClient.send(
      new ExecuteStatementCommand({
        ...cluster,
        sql: "CREATE TABLE kept (name text); INSERT INTO kept VALUES ('before restart');",
      }),
    );
    await first.stop();

    const second = await startLocalRdsData({ dataDir: dir });
    try {
      const read = await clientFor(second.endpoint).send(
        new ExecuteStatementCommand({ ...cluster, sql: 'SELECT name FROM kept' }),
      );
      expect(read.records).toEqual([[{ stringValue: 'before restart' }]]);
    } finally {
      await second.stop();
    }
  });
});

describe('the shared local RDS Data API of the test run', () => {
  it('answers on the endpoint the emulators export', async () => {
    await rdsDataHealth(inject('rdsDataEndpoint'));
    const client = clientFor(inject('rdsDataEndpoint'));
    const result = await client.send(new ExecuteStatementCommand({ ...cluster, sql: 'SELECT 1 AS one' }));
    expect(result.records).toEqual([[{ longValue: 1 }]]);
  });
});
