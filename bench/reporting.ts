/**
 * The reporting read model at scale: ingest through the projection, a bulk load of `movements`
 * stock movements, and every report of services/reporting/reports.ts timed on it.
 *
 *   npx tsx bench/reporting.ts [movements=1000000] [ingest=20000] [runs=20] [dataDir=<path>]
 *     [ingestMs=120000] [reportMs=40000] [minRuns=3]
 *
 * One local Data API endpoint (local/rds-data.ts, PGlite, in memory unless `dataDir=` is given) on
 * 127.0.0.1, reached with the real `DataApiSql` (lib/data-api.ts) over `@aws-sdk/client-rds-data`.
 * Three databases on it (schemas, as the endpoint has them), each with the reporting migrations:
 *
 * 1. Ingest: `ingest` StockLevelChanged events (with deltas) through `ReadModel.apply`, one after
 *    the other (as one Lambda container applies its batch), against the raw insert rate of the
 *    same events' fact_movement rows as plain INSERTs through the Data API: one autocommitted
 *    statement per row, then `sql.batch` (BatchExecuteStatement, 1,000 sets per call).
 * 2. Load: `movements` fact_movement rows (1,000 SKUs × 3 locations, one year of days, the level
 *    after each movement consistent with its delta), their fact_level_daily, level_current,
 *    dim_product, dim_location, dim_date, ~200,000 fact_order_line rows and one processed_event per
 *    movement, generated inside PGlite by INSERT … SELECT over generate_series, a few big
 *    statements through the same Data API.
 * 3. Reports: each report `runs` times through `Reports` (Data API client → local endpoint →
 *    PGlite; at most ~40 s per report, at least 3 runs), p50 and p95, next to the raw query time:
 *    the statements each report issued (recorded by a pass-through `Sql`), run with
 *    `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)` through the same endpoint, PostgreSQL's own
 *    planning + execution time summed per report (the endpoint's PGlite is not reachable from
 *    outside it, and PGlite cannot open one data directory twice). It does not include sending the
 *    rows back, which the Reports column does.
 *
 * Bounded: every loop has a count and a deadline; the endpoint is stopped on exit.
 */

import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiSql } from '../lib/data-api.ts';
import { applyMigrations, migrationFiles } from '../lib/migrations.ts';
import type { Sql, SqlParams } from '../lib/sql.ts';
import { startLocalRdsData } from '../local/rds-data.ts';
import type { ReportQuery } from '../services/reporting/contract.ts';
import { ReadModel } from '../services/reporting/projection.ts';
import { Reports } from '../services/reporting/reports.ts';
import { StockLevelChanged } from '../services/stock/contract.ts';

const args = process.argv.slice(2);
const named = Object.fromEntries(
  args.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]),
);
const positional = args.filter((a) => !a.includes('=')).map(Number);
const MOVEMENTS = positional[0] ?? Number(named.movements ?? 1_000_000);
const INGEST = positional[1] ?? Number(named.ingest ?? 20_000);
const RUNS = positional[2] ?? Number(named.runs ?? 20);
const DATA_DIR = named.dataDir;
/** Time limits: the ingest sample and each raw insert pass, and each report's timed runs. */
const INGEST_DEADLINE_MS = Number(named.ingestMs ?? 120_000);
const REPORT_BUDGET_MS = Number(named.reportMs ?? 40_000);
const MIN_RUNS = Number(named.minRuns ?? 3);

const SKUS = 1000;
const LOCATIONS = ['main', 'north', 'south'];
const DAYS = 365;
const ORDER_LINES = Math.round(MOVEMENTS / 5);
const CHUNK = 100_000;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const pct = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? Number.NaN;
};
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const log = (...parts: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...parts);

const started = Date.now();
const endpoint = await startLocalRdsData(DATA_DIR ? { dataDir: DATA_DIR } : {});
const client = new RDSDataClient({
  endpoint: endpoint.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});
const sqlFor = (database: string) =>
  new DataApiSql(
    {
      database,
      clusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:bench-reporting',
      secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-reporting-db',
    },
    { client },
  );
const migrations = migrationFiles('services/reporting/migrations');

/** A pass-through `Sql` that keeps every statement (and its parameters) it is given. */
class RecordingSql implements Sql {
  statements: { sql: string; params?: SqlParams }[] = [];
  constructor(private readonly inner: Sql) {}
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: SqlParams) {
    this.statements.push({ sql, params });
    return this.inner.query<Row>(sql, params);
  }
  execute(sql: string, params?: SqlParams) {
    this.statements.push({ sql, params });
    return this.inner.execute(sql, params);
  }
  batch(sql: string, paramSets: readonly SqlParams[]) {
    return this.inner.batch(sql, paramSets);
  }
  transaction<T>(work: (tx: Sql) => Promise<T>) {
    return this.inner.transaction(work);
  }
}

const today = new Date();
const todayUtc = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
const dayIso = (offset: number) =>
  new Date(todayUtc.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
const firstDay = dayIso(-(DAYS - 1));

const out: string[] = [];
const print = (line = '') => {
  out.push(line);
  console.log(line);
};

try {
  // ------------------------------------------------------------------ 1. ingest
  log(`endpoint ${endpoint.endpoint}; migrating`);
  const ingestSql = sqlFor('bench_ingest');
  const rawSql = sqlFor('bench_raw');
  const reportSql = sqlFor('bench_reports');
  for (const sql of [ingestSql, rawSql, reportSql]) await applyMigrations(sql, migrations);

  // ingest=0 skips this part (e.g. to rerun only the load and the reports).
  if (INGEST > 0) {
    // 200 SKUs × 2 locations, deltas like the loaded data's (receive +, commit −, some adjustments).
    const events = Array.from({ length: INGEST }, (_, i) => {
      const pair = i % 400;
      const k = Math.floor(i / 400);
      const sku = `ING-${String(pair % 200).padStart(4, '0')}`;
      const locationId = pair < 200 ? 'main' : 'north';
      const s = 1 + (pair % 5);
      const j = k % 10;
      const onHand = s * (10 - j);
      const delta = k === 0 ? onHand : j === 0 ? 9 * s : -s;
      const at = new Date(todayUtc.getTime() - (INGEST - i) * 1000).toISOString();
      return StockLevelChanged.create(
        {
          sku,
          locationId,
          movementId: `ing-${i}`,
          kind: j === 0 ? 'receive' : j === 4 ? 'adjust' : 'commit',
          levelVersion: k + 1,
          quantities: { onHand, reserved: 0, incoming: 0, safetyStock: 0, available: onHand },
          reorderPoint: 10,
          deltas: { onHand: delta, reserved: 0, incoming: 0 },
          ...(j === 4 ? { reason: 'damaged' } : {}),
          actor: 'bench',
        },
        { id: `ev-ing-${i}`, correlationId: 'bench-reporting', occurredAt: at },
      );
    });
    const movementRow = (e: (typeof events)[number]): SqlParams => {
      const d = e.data;
      return {
        movement: d.movementId,
        sku: d.sku,
        location: d.locationId,
        kind: d.kind,
        reason: d.reason ?? null,
        reference: null,
        actor: d.actor ?? null,
        at: { timestamp: e.occurredAt },
        day: { date: e.occurredAt.slice(0, 10) },
        dOnHand: d.deltas!.onHand,
        dReserved: 0,
        dIncoming: 0,
        onHand: d.quantities.onHand,
        reserved: 0,
        incoming: 0,
        version: d.levelVersion,
      };
    };
    const INSERT_MOVEMENT = `INSERT INTO fact_movement (movement_id, sku, location_id, kind, reason, reference, actor, at, day,
       d_on_hand, d_reserved, d_incoming, on_hand_after, reserved_after, incoming_after, level_version)
     VALUES (:movement, :sku, :location, :kind, :reason, :reference, :actor, :at, :day,
       :dOnHand, :dReserved, :dIncoming, :onHand, :reserved, :incoming, :version)`;

    const timed = async (label: string, count: number, each: (i: number) => Promise<void>) => {
      const t0 = performance.now();
      let done = 0;
      while (done < count && performance.now() - t0 < INGEST_DEADLINE_MS) {
        await each(done);
        done++;
      }
      const seconds = (performance.now() - t0) / 1000;
      log(`${label}: ${fmt(done)} in ${seconds.toFixed(1)} s`);
      return { done, seconds, rate: done / seconds };
    };

    const readModel = new ReadModel(ingestSql);
    const applied = await timed('ReadModel.apply', events.length, async (i) => {
      await readModel.apply(events[i] as never);
    });
    const single = await timed('raw INSERT, one per call', events.length, async (i) => {
      await rawSql.execute(INSERT_MOVEMENT, movementRow(events[i]!));
    });
    await rawSql.execute('TRUNCATE fact_movement');
    const rows = events.map(movementRow);
    const t0 = performance.now();
    await rawSql.batch(INSERT_MOVEMENT, rows);
    const batchSeconds = (performance.now() - t0) / 1000;
    const batched = { done: rows.length, seconds: batchSeconds, rate: rows.length / batchSeconds };
    log(`raw INSERT, sql.batch: ${fmt(rows.length)} in ${batchSeconds.toFixed(1)} s`);
    const [counted] = await ingestSql.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM fact_movement');

    print(
      `### Ingest (${fmt(applied.done)} StockLevelChanged with deltas; fact_movement rows written: ${fmt(counted?.n ?? 0)})`,
    );
    print();
    print('| what | rows | seconds | per second | ratio to raw one-per-call INSERT |');
    print('|---|---|---|---|---|');
    for (const [what, r] of [
      ['`ReadModel.apply` (one transaction per event: 6 statements + begin/commit)', applied],
      ['raw INSERT of the fact_movement row, one statement per call (autocommit)', single],
      ['raw INSERT, `sql.batch` (BatchExecuteStatement, 1,000 sets per call, one transaction)', batched],
    ] as const) {
      print(
        `| ${what} | ${fmt(r.done)} | ${r.seconds.toFixed(1)} | ${fmt(r.rate)} | ${(r.rate / single.rate).toFixed(2)} |`,
      );
    }
    print();
  }

  // ------------------------------------------------------------------ 2. load
  const sql = reportSql;
  const load = async (label: string, statement: string) => {
    const t = performance.now();
    const { updated } = await sql.execute(statement);
    const seconds = (performance.now() - t) / 1000;
    log(`load ${label}: ${fmt(updated)} rows in ${seconds.toFixed(1)} s`);
    return { label, updated, seconds };
  };
  const loads: { label: string; updated: number; seconds: number }[] = [];
  const loadStart = performance.now();
  loads.push(
    await load(
      'dim_product',
      `INSERT INTO dim_product (sku, name, category, price_minor, cost_minor, currency, reorder_point, safety_stock, version, updated_at)
       SELECT 'SKU-' || lpad(s::text, 4, '0'), 'Product ' || s, 'cat-' || (s % 12),
         CASE WHEN s % 50 = 0 THEN NULL ELSE (100 + (s * 37) % 4900) * 2 END,
         CASE WHEN s % 50 = 0 THEN NULL ELSE 100 + (s * 37) % 4900 END,
         'GBP', 15, 0, 1, now()
       FROM generate_series(0, ${SKUS - 1}) AS s`,
    ),
  );
  loads.push(
    await load(
      'dim_location',
      `INSERT INTO dim_location (location_id) VALUES ${LOCATIONS.map((l) => `('${l}')`).join(', ')}`,
    ),
  );
  loads.push(
    await load(
      'dim_date',
      `INSERT INTO dim_date (day, iso_year, iso_week, month, weekday)
       SELECT d::date, EXTRACT(ISOYEAR FROM d)::int, EXTRACT(WEEK FROM d)::int, to_char(d, 'YYYY-MM'), EXTRACT(ISODOW FROM d)::int
       FROM generate_series(DATE '${firstDay}', DATE '${dayIso(0)}', interval '1 day') AS d`,
    ),
  );
  // Movement i is pair p = i % 3000 (SKU p % 1000, location p / 1000), its k = i / 3000-th: one per
  // pair per day at most, spread over the year; the level after it is a sawtooth the deltas add up to
  // (a receipt every 10th movement, sales in between, every 10th a damaged/lost/found adjustment or a count).
  const pairs = SKUS * LOCATIONS.length;
  const rounds = Math.ceil(MOVEMENTS / pairs);
  for (let from = 0; from < MOVEMENTS; from += CHUNK) {
    const to = Math.min(MOVEMENTS, from + CHUNK) - 1;
    loads.push(
      await load(
        `fact_movement ${fmt(from)}…${fmt(to)}`,
        `INSERT INTO fact_movement (movement_id, sku, location_id, kind, reason, reference, actor, at, day,
           d_on_hand, d_reserved, d_incoming, on_hand_after, reserved_after, incoming_after, level_version)
         SELECT 'mv-' || i, 'SKU-' || lpad((p % ${SKUS})::text, 4, '0'), (ARRAY[${LOCATIONS.map((l) => `'${l}'`).join(', ')}])[p / ${SKUS} + 1],
           CASE WHEN j = 0 THEN 'receive' WHEN j = 4 THEN 'adjust' WHEN j = 8 THEN 'count' ELSE 'commit' END,
           CASE WHEN j = 4 THEN (ARRAY['damaged', 'lost', 'found', 'correction'])[(k / 10) % 4 + 1] END,
           NULL, 'bench', dt, dt::date,
           CASE WHEN k = 0 THEN base + 10 * s WHEN j = 0 THEN 9 * s ELSE -s END, 0, 0,
           base + s * (10 - j), 0, 0, k + 1
         FROM (
           SELECT i, p, k, k % 10 AS j, 1 + p % 5 AS s, 5 * (p % 3) AS base,
             TIMESTAMP '${firstDay} 00:00:00' + ((k * ${DAYS}) / ${rounds}) * interval '1 day'
               + ((p * 7919 + k * 104729) % 86000) * interval '1 second' AS dt
           FROM (SELECT i, i % ${pairs} AS p, i / ${pairs} AS k FROM generate_series(${from}, ${to}) AS i) g
         ) m`,
      ),
    );
  }
  for (let from = 0; from < MOVEMENTS; from += CHUNK) {
    const to = Math.min(MOVEMENTS, from + CHUNK) - 1;
    loads.push(
      await load(
        `processed_event ${fmt(from)}…${fmt(to)}`,
        `INSERT INTO processed_event (event_id, type, occurred_at, applied_at)
         SELECT 'ev-' || i, 'StockLevelChanged', t, t + interval '0.8 second'
         FROM (SELECT i, TIMESTAMPTZ '${firstDay} 00:00:00+00' + (i::float8 / ${MOVEMENTS} * ${DAYS}) * interval '1 day' AS t
               FROM generate_series(${from}, ${to}) AS i) e`,
      ),
    );
  }
  // The last level of each day (here one movement per pair and day, so one row per movement).
  for (let month = 0; month < 13; month++) {
    const lo = dayIso(-(DAYS - 1) + month * 30);
    const hi = dayIso(Math.min(0, -(DAYS - 1) + month * 30 + 29));
    if (lo > dayIso(0)) break;
    loads.push(
      await load(
        `fact_level_daily ${lo}…${hi}`,
        `INSERT INTO fact_level_daily (day, sku, location_id, level_version, on_hand, reserved, available)
         SELECT DISTINCT ON (sku, location_id, day) day, sku, location_id, level_version, on_hand_after, reserved_after,
           on_hand_after - reserved_after
         FROM fact_movement WHERE day BETWEEN DATE '${lo}' AND DATE '${hi}'
         ORDER BY sku, location_id, day, level_version DESC`,
      ),
    );
  }
  loads.push(
    await load(
      'level_current',
      `INSERT INTO level_current (sku, location_id, level_version, on_hand, reserved, incoming, safety_stock, available, reorder_point, updated_at)
       SELECT DISTINCT ON (sku, location_id) sku, location_id, level_version, on_hand, reserved, 0, 0, available, NULL, day
       FROM fact_level_daily ORDER BY sku, location_id, day DESC`,
    ),
  );
  for (let from = 0; from < ORDER_LINES; from += CHUNK) {
    const to = Math.min(ORDER_LINES, from + CHUNK) - 1;
    loads.push(
      await load(
        `fact_order_line ${fmt(from)}…${fmt(to)}`,
        `INSERT INTO fact_order_line (order_id, sku, quantity, status, placed_at, placed_day, closed_at, release_reason)
         SELECT 'o-' || (i / 2), 'SKU-' || lpad(((i * 37) % ${SKUS})::text, 4, '0'), 1 + i % 3,
           CASE WHEN o % 20 = 0 THEN 'rejected' WHEN o % 20 IN (1, 2) THEN 'released' WHEN o % 20 = 3 THEN 'placed' ELSE 'fulfilled' END,
           t, t::date,
           CASE WHEN o % 20 IN (0, 3) THEN NULL ELSE t + interval '1 day' END,
           CASE WHEN o % 20 = 1 THEN 'expired' WHEN o % 20 = 2 THEN 'cancelled' END
         FROM (SELECT i, i / 2 AS o,
                 TIMESTAMPTZ '${firstDay} 00:00:00+00' + ((i / 2)::float8 / ${Math.max(1, ORDER_LINES / 2)} * ${DAYS}) * interval '1 day' AS t
               FROM generate_series(${from}, ${to}) AS i) g`,
      ),
    );
  }
  loads.push(await load('ANALYZE', 'ANALYZE'));
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const [sizes] = await sql.query<Record<string, number>>(
    `SELECT (SELECT COUNT(*) FROM fact_movement)::int AS movements, (SELECT COUNT(*) FROM fact_level_daily)::int AS daily,
       (SELECT COUNT(*) FROM level_current)::int AS current, (SELECT COUNT(*) FROM fact_order_line)::int AS lines,
       (SELECT COUNT(*) FROM processed_event)::int AS events, (SELECT COUNT(*) FROM dim_product)::int AS products,
       pg_database_size(current_database())::float8 / 1048576 AS mb`,
  );
  const movementSeconds = loads
    .filter((l) => l.label.startsWith('fact_movement'))
    .reduce((a, l) => a + l.seconds, 0);
  print(`### Load (${loadSeconds.toFixed(0)} s in all)`);
  print();
  print('| table | rows | seconds |');
  print('|---|---|---|');
  const group = (prefix: string) => {
    const parts = loads.filter((l) => l.label.startsWith(prefix));
    return {
      rows: parts.reduce((a, l) => a + l.updated, 0),
      seconds: parts.reduce((a, l) => a + l.seconds, 0),
    };
  };
  for (const table of [
    'fact_movement',
    'processed_event',
    'fact_level_daily',
    'level_current',
    'fact_order_line',
    'dim_product',
  ]) {
    const g = group(table);
    print(`| ${table} | ${fmt(g.rows)} | ${g.seconds.toFixed(1)} |`);
  }
  print(`| ANALYZE | | ${group('ANALYZE').seconds.toFixed(1)} |`);
  print();
  print(
    `fact_movement: ${fmt(MOVEMENTS / movementSeconds)} rows/s in ${Math.ceil(MOVEMENTS / CHUNK)} statements; ` +
      `database ${fmt(Number(sizes?.mb ?? 0))} MB; ${fmt(sizes?.movements ?? 0)} movements, ${fmt(sizes?.daily ?? 0)} daily levels, ` +
      `${fmt(sizes?.current ?? 0)} current levels, ${fmt(sizes?.lines ?? 0)} order lines, ${fmt(sizes?.events ?? 0)} processed events.`,
  );
  print();

  // ------------------------------------------------------------------ 3. reports
  const asOf = dayIso(-90);
  const last30 = dayIso(-29);
  const q = (extra: Partial<ReportQuery>): ReportQuery => ({ format: 'json', ...extra });
  const cases: { name: string; run: (r: Reports) => Promise<unknown> }[] = [
    { name: 'summary', run: (r) => r.summary(today) },
    { name: 'stock levels, now', run: (r) => r.stockLevels(q({})) },
    { name: `stock levels, as of ${asOf}`, run: (r) => r.stockLevels(q({ to: asOf })) },
    {
      name: 'stock levels, now, category + location',
      run: (r) => r.stockLevels(q({ category: 'cat-3', locationId: 'north' })),
    },
    { name: `stock levels, as of, one SKU`, run: (r) => r.stockLevels(q({ to: asOf, sku: 'SKU-0042' })) },
    ...(['day', 'week', 'month', 'reason', 'type'] as const).map((groupBy) => ({
      name: `movements by ${groupBy}`,
      run: (r: Reports) => r.movements({ ...q({}), groupBy }),
    })),
    {
      name: 'movements by day, last 30 days',
      run: (r) => r.movements({ ...q({ from: last30, to: dayIso(0) }), groupBy: 'day' }),
    },
    {
      name: 'movements by week, category',
      run: (r) => r.movements({ ...q({ category: 'cat-3' }), groupBy: 'week' }),
    },
    {
      name: 'movements by month, location',
      run: (r) => r.movements({ ...q({ locationId: 'north' }), groupBy: 'month' }),
    },
    {
      name: 'movements by day, one SKU',
      run: (r) => r.movements({ ...q({ sku: 'SKU-0042' }), groupBy: 'day' }),
    },
    {
      name: 'movements by reason, 30 days + category',
      run: (r) => r.movements({ ...q({ from: last30, category: 'cat-3' }), groupBy: 'reason' }),
    },
    { name: 'valuation, now', run: (r) => r.valuation(q({})) },
    { name: `valuation, as of ${asOf}`, run: (r) => r.valuation(q({ to: asOf })) },
  ];

  /** PostgreSQL's planning + execution time of one statement, through the same endpoint. */
  const explain = async (statement: { sql: string; params?: SqlParams }) => {
    const [row] = await sql.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${statement.sql}`,
      statement.params,
    );
    const plan = (
      typeof row?.['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row?.['QUERY PLAN']
    ) as {
      'Planning Time': number;
      'Execution Time': number;
    }[];
    return plan[0]!['Planning Time'] + plan[0]!['Execution Time'];
  };

  print(
    `### Reports (${fmt(MOVEMENTS)} movements; up to ${RUNS} runs each, ~${REPORT_BUDGET_MS / 1000} s budget, at least ${MIN_RUNS})`,
  );
  print();
  print(
    '| report | statements | runs | Reports p50 ms | p95 ms | PostgreSQL p50 ms | p95 ms | Reports ÷ PostgreSQL (p50) |',
  );
  print('|---|---|---|---|---|---|---|---|');
  const results: { name: string; p50: number; raw50: number; statements: { sql: string; ms: number }[] }[] =
    [];
  for (const c of cases) {
    const times: number[] = [];
    const raw: number[] = [];
    let statements = 0;
    let lastStatements: { sql: string; ms: number }[] = [];
    const t = performance.now();
    for (let i = 0; i < RUNS && (i < MIN_RUNS || performance.now() - t < REPORT_BUDGET_MS); i++) {
      const recording = new RecordingSql(sql);
      const reports = new Reports(recording);
      const r0 = performance.now();
      await c.run(reports);
      times.push(performance.now() - r0);
      statements = recording.statements.length;
      let total = 0;
      const each: number[] = [];
      for (const s of recording.statements) {
        const spent = await explain(s);
        each.push(spent);
        total += spent;
      }
      raw.push(total);
      lastStatements = recording.statements.map((s, n) => ({ sql: s.sql, ms: each[n]! }));
    }
    const row = { name: c.name, p50: pct(times, 0.5), raw50: pct(raw, 0.5), statements: lastStatements };
    results.push(row);
    log(`${c.name}: p50 ${ms(row.p50)} ms (PostgreSQL ${ms(row.raw50)} ms), ${times.length} runs`);
    print(
      `| ${c.name} | ${statements} | ${times.length} | ${ms(row.p50)} | ${ms(pct(times, 0.95))} | ${ms(row.raw50)} | ${ms(pct(raw, 0.95))} | ${(row.p50 / row.raw50).toFixed(2)} |`,
    );
  }
  print();

  // Where the slow reports spend their time: each statement of their last run.
  print('Per statement (PostgreSQL time of the last run), for the reports over 100 ms:');
  print();
  print('| report | statement | PostgreSQL ms |');
  print('|---|---|---|');
  for (const r of results.filter((x) => x.raw50 > 100)) {
    for (const s of r.statements) {
      const text = s.sql.replace(/\s+/g, ' ').trim();
      print(
        `| ${r.name} | \`${(text.length > 90 ? `${text.slice(0, 87)}...` : text).replace(/\|/g, '\\|')}\` | ${ms(s.ms)} |`,
      );
    }
  }
  print();

  // Candidate rewrites (not the code path: what would fix the slow ones), timed the same way.
  const recentDays = { first: dayIso(-29), last: dayIso(0) };
  const latestLevel = (cutoff: string) => `CROSS JOIN LATERAL (
      SELECT f.on_hand, f.reserved, f.available FROM fact_level_daily f
      WHERE f.sku = l.sku AND f.location_id = l.location_id AND f.day <= ${cutoff}
      ORDER BY f.day DESC LIMIT 1) x`;
  // Each rewrite's answer is compared with the real report's.
  const reference = new Reports(sql);
  const summary = await reference.summary(today);
  const levelsAsOf = await reference.stockLevels(q({ to: asOf }));
  type Rows = Record<string, unknown>[];
  const sameTrend = (rows: Rows) =>
    JSON.stringify(rows.map((r) => [r.day, Math.round(Number(r.value))])) ===
    JSON.stringify(summary.valueTrend.map((v) => [v.date, v.value]));
  const sameLevels = (rows: Rows) =>
    JSON.stringify(rows.map((r) => [r.sku, r.location_id, Number(r.on_hand), Number(r.available)])) ===
    JSON.stringify(levelsAsOf.rows.map((r) => [r.sku, r.locationId, r.onHand, r.available]));
  const sameOrders = (rows: Rows) =>
    JSON.stringify(rows.map((r) => r.order_id)) ===
    JSON.stringify(summary.recentOrders.map((o) => o.orderId));
  const rewrites: { name: string; same: (rows: Rows) => boolean; sql: string; params?: SqlParams }[] = [
    {
      name: 'summary value trend: one index probe per SKU × location and day (LATERAL … LIMIT 1 on the primary key)',
      same: sameTrend,
      sql: `SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
         COALESCE((SELECT SUM(GREATEST(x.on_hand, 0) * COALESCE(p.cost_minor, 0))
           FROM level_current l ${latestLevel('d.day')}
           JOIN dim_product p ON p.sku = l.sku AND NOT p.deleted), 0) AS value
       FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)`,
      params: { first: { date: recentDays.first }, last: { date: recentDays.last } },
    },
    {
      name: 'summary value trend: the levels before the 30 days once (one sort), then only the 30 days’ changes, summed',
      same: sameTrend,
      sql: `WITH base AS (
         SELECT DISTINCT ON (f.sku, f.location_id) f.sku, f.location_id, f.on_hand, CAST(:first AS date) - 1 AS day
         FROM fact_level_daily f WHERE f.day < CAST(:first AS date) ORDER BY f.sku, f.location_id, f.day DESC),
       steps AS (
         SELECT sku, location_id, on_hand, day FROM base
         UNION ALL
         SELECT f.sku, f.location_id, f.on_hand, f.day FROM fact_level_daily f
         WHERE f.day BETWEEN CAST(:first AS date) AND CAST(:last AS date)),
       deltas AS (
         SELECT s.day, (GREATEST(s.on_hand, 0)
             - COALESCE(GREATEST(LAG(s.on_hand) OVER (PARTITION BY s.sku, s.location_id ORDER BY s.day), 0), 0))
           * COALESCE(p.cost_minor, 0) AS dv
         FROM steps s JOIN dim_product p ON p.sku = s.sku AND NOT p.deleted),
       per_day AS MATERIALIZED (SELECT day, SUM(dv) AS dv FROM deltas GROUP BY day)
       SELECT to_char(d.day, 'YYYY-MM-DD') AS day, (SELECT COALESCE(SUM(dv), 0) FROM per_day WHERE per_day.day <= d.day) AS value
       FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)`,
      params: { first: { date: recentDays.first }, last: { date: recentDays.last } },
    },
    {
      name: 'stock levels as of: the same probe per SKU × location',
      same: sameLevels,
      sql: `SELECT l.sku, p.name, p.category, l.location_id, x.on_hand, x.reserved, x.available, p.reorder_point
       FROM level_current l ${latestLevel('CAST(:to AS date)')}
       JOIN dim_product p ON p.sku = l.sku AND NOT p.deleted
       ORDER BY l.sku, l.location_id`,
      params: { to: { date: asOf } },
    },
    {
      name: 'summary recent orders: the 10 newest orders first, then their lines',
      same: sameOrders,
      sql: `WITH recent AS (
         SELECT order_id, MIN(placed_at) AS placed_at FROM fact_order_line
         WHERE placed_day >= (SELECT MAX(placed_day) FROM fact_order_line) - 7
         GROUP BY order_id ORDER BY MIN(placed_at) DESC LIMIT 10)
       SELECT l.order_id, string_agg(DISTINCT l.status, ',') AS statuses, MIN(l.placed_at) AS placed_at
       FROM fact_order_line l JOIN recent r USING (order_id) GROUP BY l.order_id ORDER BY MIN(l.placed_at) DESC`,
    },
  ];
  print('Candidate rewrites (not in reports.ts), PostgreSQL time:');
  print();
  print('| rewrite | same answer as the report | runs | PostgreSQL p50 ms | p95 ms |');
  print('|---|---|---|---|---|');
  for (const r of rewrites) {
    const same = r.same(await sql.query(r.sql, r.params));
    const times: number[] = [];
    const t = performance.now();
    for (let i = 0; i < RUNS && (i < MIN_RUNS || performance.now() - t < REPORT_BUDGET_MS / 4); i++) {
      times.push(await explain({ sql: r.sql, params: r.params }));
    }
    log(`rewrite ${r.name}: p50 ${ms(pct(times, 0.5))} ms`);
    print(
      `| ${r.name} | ${same ? 'yes' : '**no**'} | ${times.length} | ${ms(pct(times, 0.5))} | ${ms(pct(times, 0.95))} |`,
    );
  }
  print();
  print(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
} finally {
  client.destroy();
  await endpoint.stop();
}
