import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, sns, sqs } from '../lib/aws.ts';
import type { Runtime } from '../local/runtime.ts';
import { StockLedger } from '../services/stock/domain/stock.ts';
import { stockService } from '../services/stock/service.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { received } from './fixtures/probe/handlers.ts';
import { probeService } from './fixtures/probe/service.ts';
import { azura, azuraProcess, runtimeFileIn, tempDataDir } from './support/cli.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

// `npx azura`, the operator's CLI, against a running local runtime (found through the
// runtime.json it writes in its data directory), as an operator would use it against `npm start`.
let runtime: Runtime;
let dataDir: string;
let file: string;
let ledger: StockLedger;
const cli = (argv: string[], stdin = '') => azura([...argv, '--runtime-file', file], stdin);

beforeAll(async () => {
  dataDir = tempDataDir();
  file = runtimeFileIn(dataDir);
  runtime = await startTestRuntime([probeService, stockService], { dataDir });
  ledger = new StockLedger(new DynamoStockStore());
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('azura --help', () => {
  it('lists every command, and each command explains itself', async () => {
    const help = azuraProcess(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'dlq list',
      'dlq show',
      'dlq redrive',
      'ledger check',
      'ledger repair',
      'outbox republish',
      'reporting rebuild',
    ]) {
      expect(help.stdout).toContain(command);
      const own = await azura([...command.split(' '), '--help']);
      expect(own.code).toBe(0);
      expect(own.stdout).toContain(`Usage: npx azura ${command}`);
    }
  });

  it('answers a usage error with exit code 2 and says what is wrong', async () => {
    expect((await azura(['dlq', 'frobnicate'])).code).toBe(2);
    const unknownOption = await azura(['ledger', 'check', '--frobnicate']);
    expect([unknownOption.code, unknownOption.stderr]).toEqual([2, expect.stringContaining('--frobnicate')]);
    const missing = await cli(['ledger', 'repair']);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('--sku')]);
    const badMax = await cli(['dlq', 'show', 'probe-inbox-dlq', '--max', 'lots']);
    expect(badMax.code).toBe(2);
    const unknownQueue = await cli(['dlq', 'show', 'no-such-dlq']);
    expect([unknownQueue.code, unknownQueue.stderr]).toEqual([2, expect.stringContaining('probe-inbox-dlq')]);
  });

  it('says how to get a local runtime when none is running', async () => {
    const result = await azura(['dlq', 'list', '--runtime-file', join(dataDir, 'nothing.json')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npm start');
  });
});

describe('azura dlq', () => {
  const dlq = () => runtime.provisioned.queues.find((q) => q.name === 'probe-inbox')!.dlqUrl;
  const depth = async () => {
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: dlq(), AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  };
  const poison = JSON.stringify({ fail: true, n: 'cli' });

  beforeAll(async () => {
    // A message its consumer always fails: after maxReceiveCount it is in probe-inbox-dlq.
    await sns().send(
      new PublishCommand({
        TopicArn: runtime.provisioned.topicArn,
        Message: poison,
        MessageAttributes: { type: { DataType: 'String', StringValue: 'ProbeHappened' } },
      }),
    );
    await eventually(async () => (await depth()) === 1);
  });

  it('lists every dead-letter queue with its depth', async () => {
    const result = await cli(['dlq', 'list', '--json']);

    expect(result.code).toBe(0);
    const { queues } = result.json() as {
      queues: { name: string; kind: string; depth: number; source?: string }[];
    };
    expect(queues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'probe-inbox-dlq', kind: 'dlq', depth: 1, source: 'probe-inbox' }),
        expect.objectContaining({ name: 'stock-catalog-events-dlq', kind: 'dlq', depth: 0 }),
        expect.objectContaining({ name: 'stock-stream-dlq', kind: 'stream-dlq', depth: 0 }),
        expect.objectContaining({ name: 'probe-stream-dlq', kind: 'stream-dlq' }),
      ]),
    );
    const text = await cli(['dlq', 'list']);
    expect(text.stdout).toMatch(/probe-inbox-dlq\s+dlq\s+1/);
  });

  it('shows the messages with what went wrong, without consuming them', async () => {
    const result = await cli(['dlq', 'show', 'probe-inbox-dlq', '--json']);

    expect(result.code).toBe(0);
    const { messages } = result.json() as {
      messages: { body: unknown; receiveCount: number; error: string; messageId: string }[];
    };
    expect(messages).toHaveLength(1);
    expect(messages[0]!.body).toEqual({ fail: true, n: 'cli' });
    expect(messages[0]!.receiveCount).toBeGreaterThanOrEqual(probeService.queues[0]!.maxReceiveCount);
    expect(messages[0]!.error).toContain(messages[0]!.messageId);
    expect(await depth()).toBe(1); // still there, visible at once
    expect((await cli(['dlq', 'show', 'probe-inbox-dlq'])).stdout).toContain('"n":"cli"');
  });

  it('redrives to the source queue: a dry run moves nothing, a real one sends then deletes', async () => {
    // Dry run
    const dry = await cli(['dlq', 'redrive', 'probe-inbox-dlq', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, source: 'probe-inbox', moved: [{ body: poison }] });
    expect(await depth()).toBe(1);

    // Act
    const deliveriesBefore = received.filter((r) => r.body === poison).length;
    const moved = await cli(['dlq', 'redrive', 'probe-inbox-dlq', '--max', '1']);

    // Assess: printed, and delivered to the consumer again as a new message.
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('Moved 1 message(s) from probe-inbox-dlq to probe-inbox');
    await eventually(async () => received.filter((r) => r.body === poison).length > deliveriesBefore);
    // (It fails again at once, so later deliveries of it may already be there too.)
    expect(received.filter((r) => r.body === poison)[deliveriesBefore]?.receiveCount).toBe(1);

    // Its cause is not fixed, so it fails again and is back in the DLQ: a redrive without --max
    // moves it once and stops there, instead of moving it round and round.
    await eventually(async () => (await depth()) === 1);
    const again = await cli(['dlq', 'redrive', 'probe-inbox-dlq', '--json']);
    expect(again.code).toBe(0);
    expect((again.json() as { moved: unknown[] }).moved).toHaveLength(1);
  });

  it("refuses to redrive a stream's on-failure queue, and points to outbox republish", async () => {
    const result = await cli(['dlq', 'redrive', 'stock-stream-dlq']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('outbox republish');
  });
});

describe('azura ledger', () => {
  /** A level written behind the ledger's back, as a hand edit or a bad restore would. */
  const tamper = (sku: string, onHand: number) =>
    documentClient().send(
      new UpdateCommand({
        TableName: runtime.provisioned.env.STOCK_TABLE,
        Key: { pk: `SKU#${sku}`, sk: 'LOC#main' },
        UpdateExpression: 'SET onHand = :n',
        ExpressionAttributeValues: { ':n': onHand },
      }),
    );
  let sku: string;

  it('check exits 0 when every level matches its ledger', async () => {
    sku = uniqueSku('CLI');
    await seedProduct(ledger, sku, { onHand: 30 });
    await seedProduct(ledger, uniqueSku('CLI'), { onHand: 3 });

    const result = azuraProcess(['ledger', 'check', '--json'], { AZURA_RUNTIME_FILE: file });

    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ clean: true, drifted: [], complete: true });
    const unknown = await cli(['ledger', 'check', '--sku', 'NO-SUCH-SKU']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('NO-SUCH-SKU')]);
  });

  it('finds a real drift (exit 1), repairs it only when confirmed, and checks clean afterwards (exit 0)', async () => {
    // Prepare: the level says 999, its ledger 30.
    await tamper(sku, 999);

    // The check finds it, for a person and for a script.
    const found = azuraProcess(['ledger', 'check'], { AZURA_RUNTIME_FILE: file });
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(`DRIFT ${sku}`);
    expect(found.stdout).toContain('stored onHand 999');
    const json = await cli(['ledger', 'check', '--sku', sku, '--json']);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({
      clean: false,
      drifted: [{ sku, levels: [{ replayed: { onHand: 30 } }] }],
    });

    // Never silently: a dry run and a "no" change nothing.
    const dry = await cli(['ledger', 'repair', '--sku', sku, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(
      'onHand 999, reserved 0, incoming 0, available 30  ->  onHand 30, reserved 0, incoming 0, available 30',
    );
    const declined = await cli(['ledger', 'repair', '--sku', sku], 'n\n');
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('[y/N]');
    expect((await ledger.getStock(sku)).locations[0]?.onHand).toBe(999);

    // Act: confirmed at the prompt.
    const repaired = await cli(['ledger', 'repair', '--sku', sku, '--json'], 'y\n');

    // Assess
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.json()).toMatchObject({
      clean: true,
      applied: [{ reason: 'correction', deltas: { onHand: 0 } }],
    });
    expect((await ledger.getStock(sku)).locations[0]?.onHand).toBe(30);
    const after = azuraProcess(['ledger', 'check'], { AZURA_RUNTIME_FILE: file });
    expect(after.code, after.stdout).toBe(0);
    // And with --yes, for scripts; nothing left to repair now.
    const nothing = await cli(['ledger', 'repair', '--sku', sku, '--yes']);
    expect([nothing.code, nothing.stdout]).toEqual([0, expect.stringContaining('nothing to repair')]);
  });
});
