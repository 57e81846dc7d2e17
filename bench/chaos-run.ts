/**
 * The chaos run: the order platform, played as an at-least-once producer against the real local
 * runtime in a child process (bench/chaos-runtime.ts) that injects faults (lib/faults.ts) and is
 * killed with SIGKILL mid-run — JVM and all — then started again on the same data directory.
 * Afterwards it checks the promise: every order final, exactly one final outcome per order at the
 * platform and matching the stock, no oversell, `reserved` = the held reservations, the ledger
 * replays, the operator's `ledger check` passes. One module, two sizes: bench/chaos.ts (10,000
 * orders) and test/chaos.test.ts (a few hundred, inside `npm test`).
 *
 * Bounded: every loop has a deadline; it talks to 127.0.0.1 only; the runtime's process group and
 * the temp data directory are removed on the way out (also on failure, Ctrl-C or exit).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Envelope } from '../lib/events.ts';
import { FAULTS_ENV, type FaultSpec } from '../lib/faults.ts';
import { timelineOf } from '../lib/saga-timeline.ts';
import { stateMachineEnvVar, tableEnvVar } from '../lib/topology.ts';
import { FINAL_STATUSES, type OrderStatus } from '../services/orders/contract.ts';
import { DynamoOrderStore, ORDERS_TABLE } from '../services/orders/store.ts';
import { cancelled, fulfilled, placed } from '../services/orders/testing.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { DynamoStockStore, STOCK_TABLE } from '../services/stock/store.ts';
import { seedProduct } from '../services/stock/testing.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FINAL_TYPES = new Set(['OrderCompleted', 'OrderRejected', 'OrderReleased']);

export interface ChaosOptions {
  orders: number;
  /** Distinct SKUs, the hot one included. */
  skus: number;
  /** Share of order lines on the hot SKU. */
  hotShare: number;
  /** Stock of the hot SKU as a share of its demand (< 1: some orders are rejected). */
  hotStock: number;
  /** Each message is delivered 1..maxCopies times. */
  maxCopies: number;
  /** Share of orders whose fulfil/cancel is sent before their OrderPlaced. */
  earlyOutcome: number;
  /** Share of orders the platform cancels (the rest it fulfils). */
  cancelShare: number;
  /** kill -9 of the runtime, spread over the placements. */
  kills: number;
  /** At most this many orders placed and not yet answered (the platform's pace). */
  window: number;
  /** An order with no final outcome this long after its last send is sent again (doubling). */
  resendAfterMs: number;
  /** Without OrderReserved this long after its placement, the platform sends the outcome anyway. */
  outcomeFallbackMs: number;
  /** Everything placed and no order answered for this long: stop waiting, check what is there. */
  stallMs: number;
  faults: FaultSpec;
  /** Pollers per queue in the runtime. */
  pollers: number;
  /** The whole run, checks included. */
  deadlineMs: number;
  log: (line: string) => void;
}

export const CHAOS_FAULTS: FaultSpec = {
  handlers: { before: 0.025, after: 0.025 },
  dynamo: { throttle: 0.01, conflict: 0.02, ambiguous: 0.02 },
};

export const BENCH_SIZE: ChaosOptions = {
  orders: 10_000,
  skus: 51,
  hotShare: 0.3,
  hotStock: 0.6,
  maxCopies: 3,
  earlyOutcome: 0.1,
  cancelShare: 0.3,
  kills: 2,
  window: 300,
  resendAfterMs: 45_000,
  outcomeFallbackMs: 20_000,
  stallMs: 200_000,
  faults: CHAOS_FAULTS,
  pollers: 3,
  deadlineMs: 90 * 60_000,
  log: (line) => console.log(line),
};

export const TEST_SIZE: ChaosOptions = {
  ...BENCH_SIZE,
  orders: 200,
  skus: 6,
  kills: 1,
  window: 100,
  resendAfterMs: 20_000,
  outcomeFallbackMs: 10_000,
  stallMs: 60_000,
  deadlineMs: 180_000,
};

export interface Violation {
  kind: string;
  count: number;
  examples: unknown[];
}

export interface ChaosReport {
  options: Omit<ChaosOptions, 'log'>;
  orders: number;
  skus: number;
  lines: number;
  hotLines: number;
  messagesSent: number;
  duplicatesSent: number;
  resent: number;
  earlyOutcomes: number;
  eventsReceived: number;
  duplicateEventsDropped: number;
  outcomes: Record<string, number>;
  releasedThoughFulfilAsked: number;
  faults: Record<string, number>;
  faultsByWhere: Record<string, number>;
  runtimeErrors: { where: string; message: string; count: number }[];
  /** Per kill: when (s into the run), after how many placements, how long the restart took, and
   * how long until every order open at the kill had its final outcome (null: never). */
  kills: {
    at: number;
    placed: number;
    openAtKill: number;
    restartSeconds: number;
    recoveredSeconds: number | null;
    jvmGone: boolean;
  }[];
  convergedSecondsAfterLastKill: number | null;
  totalSeconds: number;
  ledgerCheck: string;
  /** Platform messages in orders-inbound-dlq at the end (-1: could not be read). */
  deadLettered: { count: number; examples: string[] };
  violations: Violation[];
}

// ------------------------------------------------------------------ the runtime process

interface Ready {
  pid: number;
  url: string;
  dynamoEndpoint: string;
  awsEndpoint: string;
  sfnEndpoint: string;
  queues: Record<string, string>;
  /** Queue name → its dead-letter queue's URL. */
  dlqs: Record<string, string>;
  env: Record<string, string>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

class RuntimeProcess {
  readonly sqs: SQSClient;
  readonly doc: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly ready: Ready,
  ) {
    this.exit = new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) r();
      else child.once('exit', () => r());
    }).then(() => {
      this.exited = true;
    });
    this.sqs = new SQSClient({
      region,
      credentials,
      endpoint: ready.awsEndpoint,
      useQueueUrlAsEndpoint: false,
      maxAttempts: 2,
    });
    this.doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region, credentials, endpoint: ready.dynamoEndpoint, maxAttempts: 5 }),
    );
    this.sfn = new SFNClient({ region, credentials, endpoint: ready.sfnEndpoint, maxAttempts: 2 });
  }

  static async start(
    dataDir: string,
    options: ChaosOptions,
    onLine: (line: string) => void,
  ): Promise<RuntimeProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'chaos-runtime.ts')], {
      cwd: ROOT,
      // Its own process group: kill -9 of the group takes the DynamoDB Local JVM with it.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        [FAULTS_ENV]: JSON.stringify(options.faults),
        CHAOS_DATA_DIR: dataDir,
        CHAOS_POLLERS: String(options.pollers),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    liveGroups.add(child.pid!);
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => {
      stderr.push(l);
      if (stderr.length > 40) stderr.shift();
    });
    let resolveReady: (ready: Ready) => void;
    const ready = new Promise<Ready>((r) => {
      resolveReady = r;
    });
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.startsWith('@ready ')) resolveReady(JSON.parse(l.slice(7)) as Ready);
      else onLine(l);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(
          new Error(`the runtime exited (${code ?? signal}) before it was ready:\n${stderr.join('\n')}`),
        ),
      ),
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the runtime was not ready within 120 s')), 120_000).unref(),
    );
    try {
      return new RuntimeProcess(child, await Promise.race([ready, exited, timeout]));
    } catch (error) {
      killGroup(child.pid!);
      throw error;
    }
  }

  /** kill -9 of the whole process group; true when nothing of it is left afterwards. */
  async kill9(): Promise<boolean> {
    killGroup(this.child.pid!);
    await this.exit;
    return groupGone(this.child.pid!, 10_000);
  }

  /** Graceful stop (SIGTERM: the runtime stops its JVM), then SIGKILL of the group if it lingers. */
  async stop(): Promise<boolean> {
    if (!this.exited) {
      try {
        process.kill(this.child.pid!, 'SIGTERM');
      } catch {}
      await Promise.race([this.exit, new Promise((r) => setTimeout(r, 15_000))]);
    }
    if (!(await groupGone(this.child.pid!, 3000))) killGroup(this.child.pid!);
    return groupGone(this.child.pid!, 10_000);
  }
}

const liveGroups = new Set<number>();
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {}
}
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
async function groupGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  liveGroups.delete(pgid);
  return true;
}
// Whatever happens to this process, no runtime (and no JVM) outlives it.
process.once('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid);
});

/** Java processes whose command line names this data directory (an orphaned DynamoDB Local). */
function jvmsOf(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('java') && cmdline.includes(dataDir)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ the workload

interface Line {
  sku: string;
  quantity: number;
}

interface PlatformOrder {
  id: string;
  lines: Line[];
  intent: 'fulfil' | 'cancel';
  early: boolean;
  placedBody: unknown;
  outcomeBody: unknown;
  placedAt?: number;
  outcomeSent: boolean;
  lastSentAt: number;
  resends: number;
  decided?: 'reserved';
  /** Final-outcome events received: event id → type. */
  finals: Map<string, string>;
}

/** A tiny deterministic PRNG (mulberry32), so a run's workload can be repeated. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(options: ChaosOptions, seed: number) {
  const random = prng(seed);
  const run = seed.toString(36).toUpperCase();
  const hot = `CHAOS-${run}-HOT`;
  const normal = Array.from(
    { length: options.skus - 1 },
    (_, i) => `CHAOS-${run}-${String(i).padStart(3, '0')}`,
  );
  const demand = new Map<string, number>([[hot, 0], ...normal.map((s) => [s, 0] as [string, number])]);
  const orders: PlatformOrder[] = [];
  let lines = 0;
  let hotLines = 0;
  for (let i = 0; i < options.orders; i++) {
    const id = `ORD-${run}-${String(i).padStart(6, '0')}`;
    const count = 1 + Math.floor(random() * 3);
    const bySku = new Map<string, number>();
    for (let l = 0; l < count; l++) {
      const sku = random() < options.hotShare ? hot : normal[Math.floor(random() * normal.length)]!;
      bySku.set(sku, (bySku.get(sku) ?? 0) + 1 + Math.floor(random() * 3));
    }
    const orderLines = [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
    for (const line of orderLines) {
      demand.set(line.sku, demand.get(line.sku)! + line.quantity);
      lines++;
      if (line.sku === hot) hotLines++;
    }
    const intent = random() < options.cancelShare ? 'cancel' : 'fulfil';
    orders.push({
      id,
      lines: orderLines,
      intent,
      early: random() < options.earlyOutcome,
      placedBody: placed(id, orderLines),
      outcomeBody: intent === 'cancel' ? cancelled(id, 'customer changed their mind') : fulfilled(id),
      outcomeSent: false,
      lastSentAt: 0,
      resends: 0,
      finals: new Map(),
    });
  }
  // Plenty of every normal SKU; the hot one short of its demand.
  const stock = new Map<string, number>();
  for (const [sku, wanted] of demand) {
    stock.set(sku, sku === hot ? Math.floor(wanted * options.hotStock) : wanted * 2 + 10);
  }
  return { orders, stock, hot, lines, hotLines, random };
}

// ------------------------------------------------------------------ the run

export async function runChaos(options: ChaosOptions, seed = Date.now() % 2 ** 31): Promise<ChaosReport> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const log = options.log;
  const dataDir = mkdtempSync(join(tmpdir(), 'azura-chaos-'));
  const { orders, stock, lines, hotLines, random } = workload(options, seed);
  const byId = new Map(orders.map((o) => [o.id, o]));
  const faults = new Map<string, number>();
  const faultsByWhere = new Map<string, number>();
  const errors = new Map<string, { where: string; message: string; count: number }>();
  const onLine = (line: string) => {
    if (line.startsWith('@fault ')) {
      const [, kind = '?', where = '?'] = line.split(' ');
      faults.set(kind, (faults.get(kind) ?? 0) + 1);
      faultsByWhere.set(`${kind} ${where}`, (faultsByWhere.get(`${kind} ${where}`) ?? 0) + 1);
    } else if (line.startsWith('@error ')) {
      const [, where = '?', ...rest] = line.split(' ');
      // One bucket per kind of error: ids and numbers blanked out.
      const message = rest
        .join(' ')
        .replace(/ORD-[A-Z0-9]+-\d+/g, '<order>')
        .replace(/CHAOS-[A-Z0-9]+-\w+/g, '<sku>')
        .replace(/\d+/g, 'N')
        .slice(0, 140);
      const key = `${where} ${message}`;
      const entry = errors.get(key) ?? { where, message, count: 0 };
      entry.count++;
      errors.set(key, entry);
    }
  };

  let runtime: RuntimeProcess | undefined;
  let up = false;
  const stats = { sent: 0, duplicates: 0, resent: 0, events: 0, dupEvents: 0 };
  const kills: ChaosReport['kills'] = [];
  const violations = new Map<string, Violation>();
  const violation = (kind: string, example: unknown, count = 1) => {
    const v = violations.get(kind) ?? { kind, count: 0, examples: [] };
    v.count += count;
    if (v.examples.length < 5) v.examples.push(example);
    violations.set(kind, v);
  };
  let running = true;
  let lastKillAt: number | undefined;
  let convergedAt: number | undefined;
  let ledgerCheck = 'not run';
  let deadLettered: ChaosReport['deadLettered'] = { count: 0, examples: [] };
  // Ctrl-C or a kill: no runtime, no JVM and no data directory left behind.
  const onSignal = () => {
    for (const pgid of liveGroups) killGroup(pgid);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    runtime = await RuntimeProcess.start(dataDir, options, onLine);
    up = true;
    log(`runtime up (pid ${runtime.ready.pid}), data in ${dataDir}; seed ${seed}`);
    {
      const store = new DynamoStockStore(runtime.doc, runtime.ready.env[tableEnvVar(STOCK_TABLE)]!);
      const ledger = new StockLedger(store);
      for (const [sku, onHand] of stock) await seedProduct(ledger, sku, { onHand });
    }

    // ---------------------------------------------------------------- the platform's outbox
    const pending: { due: number; order: PlatformOrder; body: unknown }[] = [];
    const enqueue = (order: PlatformOrder, body: unknown, delayMs: number, copies: number) => {
      for (let c = 0; c < copies; c++) {
        // The first copy at its time; the duplicates soon after, or seconds later.
        const extra = c === 0 ? 0 : random() < 0.5 ? random() * 500 : 1000 + random() * 7000;
        pending.push({ due: Date.now() + delayMs + extra, order, body });
        if (c > 0) stats.duplicates++;
      }
      order.lastSentAt = Date.now() + delayMs;
    };
    const copies = () => 1 + Math.floor(random() * options.maxCopies);
    const sendOutcome = (order: PlatformOrder, delayMs: number) => {
      if (order.outcomeSent) return;
      order.outcomeSent = true;
      enqueue(order, order.outcomeBody, delayMs, copies());
    };
    const resend = (order: PlatformOrder, delayMs: number) => {
      stats.resent++;
      order.resends++;
      enqueue(order, order.placedBody, delayMs, 1);
      if (order.outcomeSent) enqueue(order, order.outcomeBody, delayMs + 200, 1);
    };
    let inFlight = 0;
    const pump = async () => {
      while (running) {
        if (!up || !runtime || inFlight >= 8) {
          await sleep(20);
          continue;
        }
        const now = Date.now();
        const due: typeof pending = [];
        for (let i = 0; i < pending.length && due.length < 10; ) {
          if (pending[i]!.due <= now) due.push(...pending.splice(i, 1));
          else i++;
        }
        if (!due.length) {
          await sleep(25);
          continue;
        }
        const client = runtime;
        inFlight++;
        void client.sqs
          .send(
            new SendMessageBatchCommand({
              QueueUrl: client.ready.queues['orders-inbound'],
              Entries: due.map((d, i) => ({ Id: String(i), MessageBody: JSON.stringify(d.body) })),
            }),
          )
          .then(
            (out) => {
              const failed = new Set((out.Failed ?? []).map((f) => Number(f.Id)));
              due.forEach((d, i) => {
                if (failed.has(i)) pending.push({ ...d, due: Date.now() + 200 });
                else stats.sent++;
              });
            },
            () => {
              for (const d of due) pending.push({ ...d, due: Date.now() + 300 });
            },
          )
          .finally(() => inFlight--);
      }
    };

    // ---------------------------------------------------------------- the platform's feed
    let lastEventAt = Date.now();
    const seenIds = new Set<string>();
    const feed = async () => {
      while (running) {
        const client = runtime;
        if (!up || !client) {
          await sleep(50);
          continue;
        }
        try {
          const url = client.ready.queues['platform-events']!;
          const { Messages = [] } = await client.sqs.send(
            new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          for (const message of Messages) {
            const event = JSON.parse(message.Body ?? '{}') as Envelope;
            stats.events++;
            lastEventAt = Date.now();
            if (seenIds.has(event.id)) {
              stats.dupEvents++;
              continue;
            }
            seenIds.add(event.id);
            const orderId = (event.data as { orderId?: string } | undefined)?.orderId;
            const order = orderId ? byId.get(orderId) : undefined;
            if (!order) continue;
            if (FINAL_TYPES.has(event.type)) order.finals.set(event.id, event.type);
            else if (event.type === 'OrderReserved') {
              order.decided = 'reserved';
              // The platform ships or cancels a reserved order a little later.
              sendOutcome(order, random() * 1500);
            }
          }
          if (Messages.length) {
            await client.sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: url,
                Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
              }),
            );
          }
        } catch {
          await sleep(200);
        }
      }
    };
    const loops = [pump(), feed(), feed(), feed()];

    // ---------------------------------------------------------------- drive
    const open = () => orders.filter((o) => o.placedAt !== undefined && o.finals.size === 0);
    const killAt = Array.from({ length: options.kills }, (_, k) =>
      Math.floor((options.orders * (k + 1)) / (options.kills + 1)),
    );
    let next = 0;
    let lastProgress = 0;
    const recovering: { kill: ChaosReport['kills'][number]; at: number; orders: PlatformOrder[] }[] = [];
    let answered = 0;
    let answeredChangedAt = Date.now();
    try {
      while (Date.now() < deadline) {
        const now = Date.now();
        const openOrders = open();
        if (next >= orders.length && openOrders.length === 0) {
          convergedAt = now;
          break;
        }
        for (const r of recovering) {
          if (r.kill.recoveredSeconds === null && r.orders.every((o) => o.finals.size > 0))
            r.kill.recoveredSeconds = (now - r.at) / 1000;
        }
        const answeredNow = orders.filter((o) => o.finals.size > 0).length;
        if (answeredNow !== answered) [answered, answeredChangedAt] = [answeredNow, now];
        if (next >= orders.length && now - answeredChangedAt > options.stallMs) {
          log(`no order answered for ${options.stallMs / 1000} s: ${openOrders.length} left open, checking`);
          break;
        }
        // Kill -9 the runtime, then start it again on the same data.
        if (kills.length < killAt.length && next >= killAt[kills.length]!) {
          await sleep(random() * 2000);
          const at = Date.now();
          up = false;
          const jvmGone = await runtime!.kill9();
          const orphans = jvmsOf(dataDir);
          if (!jvmGone || orphans.length) {
            violation('harness: runtime or JVM survived kill -9', { jvmGone, orphans });
            for (const pid of orphans) process.kill(pid, 'SIGKILL');
          }
          log(`kill -9 #${kills.length + 1} after ${next} placements (${openOrders.length} open)`);
          lastKillAt = at;
          runtime = await RuntimeProcess.start(dataDir, options, onLine);
          up = true;
          const restartSeconds = (Date.now() - at) / 1000;
          kills.push({
            at: (at - started) / 1000,
            placed: next,
            openAtKill: openOrders.length,
            restartSeconds,
            recoveredSeconds: null,
            jvmGone,
          });
          recovering.push({ kill: kills.at(-1)!, at, orders: openOrders });
          log(`runtime up again in ${restartSeconds.toFixed(1)} s (pid ${runtime.ready.pid})`);
          // The platform re-sends everything it has not seen answered.
          for (const order of open()) resend(order, random() * 3000);
          continue;
        }
        // Place new orders, keeping at most `window` unanswered.
        let room = options.window - openOrders.length;
        while (room-- > 0 && next < orders.length) {
          const order = orders[next++]!;
          order.placedAt = Date.now();
          if (order.early) {
            sendOutcome(order, 0);
            enqueue(order, order.placedBody, 300 + random() * 2000, copies());
          } else {
            enqueue(order, order.placedBody, 0, copies());
          }
        }
        for (const order of openOrders) {
          if (!order.outcomeSent && now - order.placedAt! > options.outcomeFallbackMs) sendOutcome(order, 0);
          const wait = options.resendAfterMs * 2 ** Math.min(order.resends, 3);
          if (now - order.lastSentAt > wait && order.resends < 20) resend(order, 0);
        }
        if (now - lastProgress > 10_000) {
          lastProgress = now;
          log(
            `${((now - started) / 1000).toFixed(0)} s: ${next} placed, ${answered} answered, ${openOrders.length} open, ` +
              `${pending.length} messages queued at the platform, ${stats.sent} sent`,
          );
        }
        await sleep(100);
      }
      // Settle: the late duplicates delivered, the inbound queue drained, no event for a while.
      const settleDeadline = Math.min(deadline, Date.now() + 60_000);
      while (Date.now() < settleDeadline) {
        const attributes = await runtime!.sqs
          .send(
            new GetQueueAttributesCommand({
              QueueUrl: runtime!.ready.queues['orders-inbound'],
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          )
          .then((out) => out.Attributes ?? {})
          .catch(() => ({ ApproximateNumberOfMessages: '1' }) as Record<string, string>);
        const queued =
          Number(attributes.ApproximateNumberOfMessages ?? 0) +
          Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
        if (!pending.length && inFlight === 0 && queued === 0 && Date.now() - lastEventAt > 3000) break;
        await sleep(250);
      }
    } finally {
      running = false;
      await Promise.allSettled(loops);
    }

    // ---------------------------------------------------------------- checks
    log('checking…');
    deadLettered = await deadLetters(runtime!).catch((error) => ({ count: -1, examples: [String(error)] }));
    await check({ runtime: runtime!, orders, stock, violation }).catch((error) =>
      violation('harness: the checks could not finish', String(error)),
    );
    ledgerCheck = cliLedgerCheck(runtime!.ready, dataDir, violation);
    log(`ledger check (CLI): ${ledgerCheck}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    running = false;
    const gone = runtime ? await runtime.stop() : true;
    if (!gone) violation('harness: runtime survived its stop', { pid: runtime?.ready.pid });
    const orphans = existsSync(dataDir) ? jvmsOf(dataDir) : [];
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (orphans.length) violation('harness: orphan JVM after the run', { orphans });
    rmSync(dataDir, { recursive: true, force: true });
  }

  const outcomes: Record<string, number> = {};
  let releasedThoughFulfilAsked = 0;
  for (const order of orders) {
    const types = [...new Set(order.finals.values())].sort().join('+') || 'none';
    outcomes[types] = (outcomes[types] ?? 0) + 1;
    if (order.intent === 'fulfil' && types === 'OrderReleased') releasedThoughFulfilAsked++;
  }
  return {
    options: { ...options, log: undefined } as unknown as ChaosReport['options'],
    orders: orders.length,
    skus: stock.size,
    lines,
    hotLines,
    messagesSent: stats.sent,
    duplicatesSent: stats.duplicates,
    resent: stats.resent,
    earlyOutcomes: orders.filter((o) => o.early).length,
    eventsReceived: stats.events,
    duplicateEventsDropped: stats.dupEvents,
    outcomes,
    releasedThoughFulfilAsked,
    faults: Object.fromEntries(faults),
    faultsByWhere: Object.fromEntries([...faultsByWhere].sort()),
    runtimeErrors: [...errors.values()].sort((a, b) => b.count - a.count).slice(0, 25),
    kills,
    convergedSecondsAfterLastKill:
      convergedAt && lastKillAt ? (convergedAt - lastKillAt) / 1000 : convergedAt ? 0 : null,
    totalSeconds: (Date.now() - started) / 1000,
    ledgerCheck,
    deadLettered,
    violations: [...violations.values()],
  };
}

// ------------------------------------------------------------------ the checks

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

async function check(input: {
  runtime: RuntimeProcess;
  orders: PlatformOrder[];
  stock: Map<string, number>;
  violation: (kind: string, example: unknown, count?: number) => void;
}): Promise<void> {
  const { runtime, orders, stock, violation } = input;
  const orderStore = new DynamoOrderStore(runtime.doc, runtime.ready.env[tableEnvVar(ORDERS_TABLE)]!);
  const stockStore = new DynamoStockStore(runtime.doc, runtime.ready.env[tableEnvVar(STOCK_TABLE)]!);
  const ledger = new StockLedger(stockStore);
  const machine = runtime.ready.env[stateMachineEnvVar('order-saga')] ?? '';

  // What an example says about one order: enough to debug it without the run.
  const explain = async (order: PlatformOrder, stored?: { status?: OrderStatus }, reservation?: unknown) => {
    let timeline: string | undefined;
    try {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < 20; page++) {
        const out = await runtime.sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${order.id}`,
            maxResults: 1000,
            nextToken,
          }),
        );
        events.push(...(out.events ?? []));
        nextToken = out.nextToken;
        if (!nextToken) break;
      }
      const last = events.at(-1);
      const lastError = Object.entries(last ?? {}).find(([k]) => k.endsWith('EventDetails'))?.[1] as
        | { error?: string; cause?: string }
        | undefined;
      timeline = [
        ...timelineOf(events).map(
          (s) => `${s.step}:${s.status}×${s.attempts}${s.error ? `(${s.error})` : ''}`,
        ),
        `[${last?.type ?? 'no events'}${lastError?.error ? `: ${lastError.error} ${String(lastError.cause ?? '').slice(0, 160)}` : ''}]`,
      ].join(' → ');
    } catch (error) {
      timeline = `no execution since the last restart (${(error as Error).name})`;
    }
    return {
      orderId: order.id,
      asked: order.intent,
      outcomeSentBeforePlacement: order.early,
      resends: order.resends,
      finalEvents: [...order.finals].map(([id, type]) => `${type} ${id}`),
      order: stored,
      reservation,
      sagaSinceLastRestart: timeline,
    };
  };

  const committed = new Map<string, number>();
  const held = new Map<string, number>();
  const add = (map: Map<string, number>, lines: { sku: string; quantity: number }[]) => {
    for (const line of lines) map.set(line.sku, (map.get(line.sku) ?? 0) + line.quantity);
  };
  await mapLimit(orders, 16, async (order) => {
    const [stored, reservation] = await Promise.all([
      orderStore.get(order.id),
      stockStore.getReservation(order.id),
    ]);
    const status = stored?.status;
    const summary = stored && {
      status,
      placed: stored.placed,
      history: stored.history.map((h) => h.status).join('>'),
      pendingOutcome: stored.pendingOutcome?.outcome,
      releaseReason: stored.releaseReason,
      waiting: Boolean(stored.taskToken),
    };
    const res = reservation && { status: reservation.status, lines: reservation.lines };
    if (reservation?.status === 'COMMITTED') add(committed, reservation.lines);
    if (reservation?.status === 'HELD') add(held, reservation.lines);

    if (!stored?.placed) violation('order unknown to the orders service', await explain(order, summary, res));
    else if (!status || !FINAL_STATUSES.includes(status))
      violation('order not in a final state', await explain(order, summary, res));

    const types = new Set(order.finals.values());
    if (order.finals.size === 0)
      violation('no final outcome at the platform', await explain(order, summary, res));
    if (order.finals.size > 1)
      violation('more than one final outcome at the platform', await explain(order, summary, res));
    if (order.finals.size !== 1) return;
    const [type] = types;
    const matches =
      type === 'OrderCompleted'
        ? reservation?.status === 'COMMITTED' && status === 'FULFILLED'
        : type === 'OrderReleased'
          ? (!reservation || reservation.status === 'RELEASED' || reservation.status === 'EXPIRED') &&
            (status === 'CANCELLED' || status === 'EXPIRED')
          : (!reservation || reservation.status === 'RELEASED') && status === 'REJECTED';
    if (!matches)
      violation(`${type} does not match the stock or the order`, await explain(order, summary, res));
    if (type === 'OrderCompleted' && order.intent === 'cancel')
      violation('completed although the platform cancelled', await explain(order, summary, res));
  });

  // Every platform message is valid: none may end in the dead-letter queue (it would be lost).
  // Messages sent before a kill -9 died with that runtime's queues; this counts the last one's.
  await mapLimit([...stock], 8, async ([sku, initial]) => {
    const levels = await stockStore.levelsOf(sku);
    const onHand = levels.reduce((n, l) => n + l.onHand, 0);
    const reserved = levels.reduce((n, l) => n + l.reserved, 0);
    const sold = committed.get(sku) ?? 0;
    for (const level of levels) {
      if (level.onHand < 0 || level.available < 0) violation('oversell: a level below zero', level);
    }
    if (sold > initial) violation('oversell: more committed than stocked', { sku, initial, committed: sold });
    if (onHand !== initial - sold)
      violation('onHand is not the initial stock minus the committed reservations', {
        sku,
        initial,
        committed: sold,
        onHand,
      });
    if (reserved !== (held.get(sku) ?? 0))
      violation('reserved is not the sum of HELD reservations', { sku, reserved, held: held.get(sku) ?? 0 });
    const replay = await ledger.replayLedger(sku);
    if (!replay.consistent) violation('the ledger does not replay to the level', { sku, replay });
  });
}

/**
 * Platform messages in orders-inbound-dlq (of the last runtime: earlier ones died with their
 * queues). A figure, not a violation: a message that failed its 5 receives under injected faults
 * went where it should, and the platform re-sends until answered; a lost order shows as one
 * without a final outcome.
 */
async function deadLetters(runtime: RuntimeProcess): Promise<{ count: number; examples: string[] }> {
  const dlq = await runtime.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: runtime.ready.dlqs['orders-inbound'],
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const deadLettered =
    Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(dlq.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  if (!deadLettered) return { count: 0, examples: [] };
  const { Messages = [] } = await runtime.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: runtime.ready.dlqs['orders-inbound'],
      MaxNumberOfMessages: 5,
      VisibilityTimeout: 0,
    }),
  );
  return { count: deadLettered, examples: Messages.map((m) => m.Body ?? '') };
}

/**
 * The operator's drift detector, `npx azura ledger check`, against this runtime: the CLI finds it
 * through the `runtime.json` the runtime writes into its data dir.
 */
function cliLedgerCheck(
  ready: Ready,
  dataDir: string,
  violation: (kind: string, example: unknown) => void,
): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin?: string | Record<string, string>;
  };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.azura;
  if (!bin || !existsSync(join(ROOT, bin))) return 'CLI not available';
  const loader = /\.m?ts$/.test(bin) ? ['--import', 'tsx'] : [];
  const result = spawnSync(process.execPath, [...loader, join(ROOT, bin), 'ledger', 'check'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      ...ready.env,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: ready.dynamoEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: ready.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: ready.awsEndpoint,
      AWS_ENDPOINT_URL_SNS: ready.awsEndpoint,
      AWS_ENDPOINT_URL_S3: ready.awsEndpoint,
      AWS_ENDPOINT_URL_SFN: ready.sfnEndpoint,
      AZURA_PREFIX: 'chaos',
      AZURA_RUNTIME_FILE: join(dataDir, 'runtime.json'),
      [FAULTS_ENV]: '',
    },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
  if (result.status !== 0) {
    violation('npx azura ledger check failed', { exitCode: result.status, signal: result.signal, output });
    return `exit ${result.status ?? result.signal}: ${output}`;
  }
  return `exit 0: ${output}`;
}

// ------------------------------------------------------------------ the figures

export function formatReport(report: ChaosReport): string {
  const out: string[] = [];
  const row = (what: string, figure: unknown) => out.push(`| ${what} | ${figure} |`);
  const kinds = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '0';
  out.push('| what | figure |', '|---|---|');
  row(
    'orders / SKUs / lines (hot SKU lines)',
    `${report.orders} / ${report.skus} / ${report.lines} (${report.hotLines}, ${((100 * report.hotLines) / report.lines).toFixed(0)} %)`,
  );
  row('messages sent to orders-inbound', report.messagesSent);
  row('of which duplicate copies (1–3 deliveries each)', report.duplicatesSent);
  row('re-sends by the platform (unanswered, after a restart or a silence)', report.resent);
  row('fulfil/cancel sent before their OrderPlaced', report.earlyOutcomes);
  row(
    'events received on platform-events / duplicates dropped by id',
    `${report.eventsReceived} / ${report.duplicateEventsDropped}`,
  );
  row('final outcomes (per order, distinct types)', kinds(report.outcomes));
  row('released although the platform asked to fulfil (a step failed)', report.releasedThoughFulfilAsked);
  row('faults injected', kinds(report.faults));
  row(
    'kill -9 of the runtime: after N placements, orders open then, restart, all of those answered',
    report.kills
      .map(
        (k) =>
          `after ${k.placed}: ${k.openAtKill} open, restart ${k.restartSeconds.toFixed(1)} s, answered ` +
          `${k.recoveredSeconds === null ? 'NEVER' : `${k.recoveredSeconds.toFixed(1)} s`} after the kill` +
          `${k.jvmGone ? '' : ' (JVM SURVIVED)'}`,
      )
      .join('; ') || 'none',
  );
  row(
    'time to converge after the last kill (every order answered)',
    report.convergedSecondsAfterLastKill === null
      ? 'did NOT converge'
      : `${report.convergedSecondsAfterLastKill.toFixed(1)} s`,
  );
  row('whole run', `${report.totalSeconds.toFixed(0)} s`);
  row('`npx azura ledger check`', report.ledgerCheck);
  row(
    'platform messages dead-lettered (after 5 failed receives; re-sent by the platform)',
    report.deadLettered.count,
  );
  row(
    'violations',
    report.violations.length
      ? kinds(Object.fromEntries(report.violations.map((v) => [v.kind, v.count])))
      : '**0**',
  );
  if (Object.keys(report.faultsByWhere).length) {
    out.push('', 'Faults by kind and place:');
    for (const [k, n] of Object.entries(report.faultsByWhere)) out.push(`- ${k}: ${n}`);
  }
  if (report.runtimeErrors.length) {
    out.push('', 'Errors the runtime reported (injected faults included), most frequent first:');
    for (const e of report.runtimeErrors) out.push(`- ${e.count}× [${e.where}] ${e.message}`);
  }
  for (const v of report.violations) {
    out.push('', `VIOLATION ${v.kind}: ${v.count}; examples:`);
    for (const example of v.examples) out.push(`  ${JSON.stringify(example)}`);
  }
  return out.join('\n');
}
