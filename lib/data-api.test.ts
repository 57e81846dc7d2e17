import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DataApiError, DataApiSql, toParameter } from './data-api.ts';
import { splitStatements } from './migrations.ts';

describe('values become Data API parameters as lib/sql.ts describes', () => {
  it('maps plain values to their fields and typed ones to their typeHint', () => {
    expect(toParameter('s', 'x')).toEqual({ name: 's', value: { stringValue: 'x' } });
    expect(toParameter('i', 42)).toEqual({ name: 'i', value: { longValue: 42 } });
    expect(toParameter('f', 0.5)).toEqual({ name: 'f', value: { doubleValue: 0.5 } });
    expect(toParameter('big', 2 ** 60)).toEqual({ name: 'big', value: { doubleValue: 2 ** 60 } });
    expect(toParameter('b', false)).toEqual({ name: 'b', value: { booleanValue: false } });
    expect(toParameter('n', null)).toEqual({ name: 'n', value: { isNull: true } });
    expect(toParameter('d', { date: '2026-12-03' })).toEqual({
      name: 'd',
      value: { stringValue: '2026-12-03' },
      typeHint: 'DATE',
    });
    expect(toParameter('m', { decimal: '12.50' })).toEqual({
      name: 'm',
      value: { stringValue: '12.50' },
      typeHint: 'DECIMAL',
    });
    expect(toParameter('j', { json: { a: [1] } })).toEqual({
      name: 'j',
      value: { stringValue: '{"a":[1]}' },
      typeHint: 'JSON',
    });
  });

  it('writes an ISO timestamp the way the TIMESTAMP typeHint wants it, in UTC', () => {
    expect(toParameter('t', { timestamp: '2026-12-03T10:15:30.250Z' }).value).toEqual({
      stringValue: '2026-12-03 10:15:30.250',
    });
    expect(toParameter('t', { timestamp: '2026-12-03T12:15:30+02:00' }).value).toEqual({
      stringValue: '2026-12-03 10:15:30.000',
    });
    expect(toParameter('t', { timestamp: '2026-12-03 10:15:30' }).value).toEqual({
      stringValue: '2026-12-03 10:15:30',
    });
    expect(() => toParameter('t', { timestamp: 'yesterday' })).toThrow(/Not a timestamp/);
    expect(() => toParameter('x', Number.NaN)).toThrow(/not a finite number/);
  });
});

describe('a migration script is split into its statements', () => {
  it('splits at top-level semicolons only, and drops comment-only pieces', () => {
    const script = `-- header; with a semicolon
      CREATE TABLE a (s text DEFAULT ';', "we;ird" int);
      /* block; /* nested; */ still; */
      INSERT INTO a (s) VALUES (E'it\\'s; fine'), ('it''s; fine');
      CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
      DO $$ BEGIN PERFORM 1; END $$
      -- trailing; comment`;
    expect(splitStatements(script)).toEqual([
      `-- header; with a semicolon
      CREATE TABLE a (s text DEFAULT ';', "we;ird" int)`,
      `/* block; /* nested; */ still; */
      INSERT INTO a (s) VALUES (E'it\\'s; fine'), ('it''s; fine')`,
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$',
      `DO $$ BEGIN PERFORM 1; END $$
      -- trailing; comment`,
    ]);
  });
});

/**
 * Aurora Serverless v2 at 0 ACU answers DatabaseResumingException until it has resumed. A stand-in
 * for that: an endpoint that refuses the first calls so, then passes them to the local Data API.
 */
describe('DataApiSql while the cluster resumes', () => {
  let server: Server;
  let endpoint: string;
  let refusals = 0;
  let refusing = { type: 'DatabaseResumingException', status: 400 };
  const seen: string[] = [];

  beforeAll(async () => {
    const target = inject('rdsDataEndpoint');
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      seen.push(request.url ?? '');
      if (refusals > 0) {
        refusals--;
        response.writeHead(refusing.status, {
          'content-type': 'application/json',
          'x-amzn-errortype': refusing.type,
        });
        response.end(JSON.stringify({ message: `${refusing.type}: try again` }));
        return;
      }
      const answer = await fetch(`${target}${request.url}`, {
        method: request.method,
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      });
      response.writeHead(answer.status, Object.fromEntries(answer.headers));
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const sqlVia = (maxElapsedMs: number) =>
    new DataApiSql(
      {
        clusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:resuming',
        secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:resuming-db',
        database: 'resuming_test',
      },
      {
        client: new RDSDataClient({
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 1,
        }),
        retry: { maxElapsedMs, baseDelayMs: 5, maxDelayMs: 20 },
      },
    );

  it('retries DatabaseResumingException until the database answers', async () => {
    refusing = { type: 'DatabaseResumingException', status: 400 };
    refusals = 3;
    seen.length = 0;
    expect(await sqlVia(10_000).query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(seen).toHaveLength(4);
  });

  it('retries throttling, in a transaction too', async () => {
    refusing = { type: 'ThrottlingException', status: 429 };
    const sql = sqlVia(10_000);
    const result = await sql.transaction(async (tx) => {
      refusals = 2;
      return tx.query('SELECT 2 AS two');
    });
    expect(result).toEqual([{ two: 2 }]);
  });

  it('gives up after its deadline with an error naming the exception', async () => {
    refusing = { type: 'DatabaseResumingException', status: 400 };
    refusals = 1_000;
    const error = await sqlVia(100)
      .query('SELECT 1')
      .catch((e: unknown) => e);
    refusals = 0;
    expect(error).toBeInstanceOf(DataApiError);
    expect((error as DataApiError).type).toBe('DatabaseResumingException');
    expect((error as Error).message).toMatch(/DatabaseResumingException.*SELECT 1/);
  });

  it('does not retry what a retry cannot fix', async () => {
    refusing = { type: 'ForbiddenException', status: 403 };
    refusals = 1;
    seen.length = 0;
    await expect(sqlVia(10_000).query('SELECT 1')).rejects.toThrow(/ForbiddenException/);
    expect(seen).toHaveLength(1);
    refusals = 0;
  });
});
