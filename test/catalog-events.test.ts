import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoStreams, sqs } from '../lib/aws.ts';
import type { Envelope } from '../lib/events.ts';
import { eventsToPublish } from '../lib/outbox.ts';
import { type Provisioned, subscribeQueue } from '../local/provision.ts';
import { app as serviceApp } from '../services/catalog/handlers/api.ts';
import { handler as publishEvents } from '../services/catalog/handlers/publish-events.ts';
import { handler as stockEvents } from '../services/catalog/handlers/stock-events.ts';
import { catalogService } from '../services/catalog/service.ts';
import { StockLevelChanged } from '../services/stock/contract.ts';
import { eventually, provisionFor, signedIn, sqsEventOf } from './support/env.ts';

/** The service's API as a signed-in admin sees it. */
const app = signedIn(serviceApp);

/**
 * What the catalog tells the world (its outbox, published from the table stream) and what it
 * learns from the stock service (the stock projection), with the real stream of DynamoDB Local.
 */

let provisioned: Provisioned;
const uid = () => ulid().slice(-10);
const lambdaContext = {} as Context;

async function call(method: string, path: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function createProduct(): Promise<string> {
  const sku = `MUG-${uid()}`;
  const created = await call('POST', '/api/v1/products', {
    sku,
    name: 'Stoneware mug',
    category: 'kitchen',
    price: { amount: 1200, currency: 'EUR' },
    cost: { amount: 400, currency: 'EUR' },
  });
  expect(created.status).toBe(201);
  return sku;
}

/** Every record the catalog table's stream holds so far, in order, for one product. */
async function streamRecords(sku: string): Promise<DynamoDBRecord[]> {
  const StreamArn = provisioned.tables.find((t) => t.logicalName === 'catalog')!.streamArn!;
  const { StreamDescription } = await dynamoStreams().send(new DescribeStreamCommand({ StreamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await dynamoStreams().send(
      new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (ShardIterator) {
      const page = await dynamoStreams().send(new GetRecordsCommand({ ShardIterator }));
      records.push(...((page.Records ?? []) as unknown as DynamoDBRecord[]));
      if (!page.Records?.length) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return records.filter((r) => r.dynamodb?.Keys?.pk?.S === `PRODUCT#${sku}`);
}

const sqsEvent = (bodies: unknown[]): SQSEvent => sqsEventOf(bodies, 'catalog-stock-events');

async function deliverStock(...events: unknown[]) {
  const result = await stockEvents(sqsEvent(events), lambdaContext, () => {});
  return result ? result.batchItemFailures : [];
}

function level(sku: string, locationId: string, levelVersion: number, onHand: number, reserved = 0) {
  return StockLevelChanged.create(
    {
      sku,
      locationId,
      movementId: ulid(),
      kind: 'adjust',
      levelVersion,
      quantities: { onHand, reserved, incoming: 0, safetyStock: 0, available: onHand - reserved },
    },
    { id: `${sku}:${locationId}:${levelVersion}`, correlationId: 'test' },
  );
}

beforeAll(async () => {
  provisioned = await provisionFor([catalogService]);
});

describe('catalog events: the outbox', () => {
  it('carries ProductCreated, ProductUpdated and ProductDeleted with increasing versions, each published once', async () => {
    // Prepare: a queue subscribed to the events topic, like any consumer's.
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: `catalog-listener-${uid()}` }));
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await subscribeQueue(provisioned.topicArn, Attributes!.QueueArn!);

    // Act
    const sku = await createProduct();
    await call('PATCH', `/api/v1/products/${sku}`, { reorderPoint: 25 });
    await call('DELETE', `/api/v1/products/${sku}`);
    const records = await eventually(async () => {
      const found = await streamRecords(sku);
      return found.length === 3 && found;
    });
    await publishEvents({ Records: records } as DynamoDBStreamEvent, lambdaContext, () => {});

    // Assess: each write asks to publish exactly its own event.
    const perRecord = records.map((r) => eventsToPublish(r).map((e) => `${e.type} ${e.id}`));
    expect(perRecord).toEqual([
      [`ProductCreated ${sku}:v1`],
      [`ProductUpdated ${sku}:v2`],
      [`ProductDeleted ${sku}:v3`],
    ]);
    expect(eventsToPublish(records[1]!)[0]!.data).toMatchObject({ sku, reorderPoint: 25, version: 2 });
    const received: Envelope[] = [];
    await eventually(async () => {
      const { Messages } = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      received.push(...(Messages ?? []).map((m) => JSON.parse(m.Body!) as Envelope));
      return received.length >= 3;
    });
    // SQS does not keep order (consumers rely on `version`, not arrival): compare by version.
    const byVersion = received.map((e) => [e.type, (e.data as { version: number }).version] as const);
    expect(byVersion.sort((a, b) => a[1] - b[1])).toEqual([
      ['ProductCreated', 1],
      ['ProductUpdated', 2],
      ['ProductDeleted', 3],
    ]);
  });

  it('publishes nothing when only the stock projection changes', async () => {
    const sku = await createProduct();

    await deliverStock(level(sku, 'main', 1, 12));
    const records = await eventually(async () => {
      const found = await streamRecords(sku);
      return found.length === 2 && found;
    });
    const product = await call('GET', `/api/v1/products/${sku}`);

    expect(records[1]!.eventName).toBe('MODIFY');
    expect(eventsToPublish(records[1]!)).toEqual([]);
    expect(product.body).toMatchObject({ version: 1, stock: { onHand: 12, available: 12 } });
  });
});

describe('catalog events: the stock projection', () => {
  it('gives the latest figures of each location when events come twice and out of order', async () => {
    // Prepare
    const sku = await createProduct();
    const main1 = level(sku, 'main', 1, 10);
    const main2 = level(sku, 'main', 2, 7, 1);
    const main3 = level(sku, 'main', 3, 4, 2);
    const east1 = level(sku, 'east', 1, 5);

    // Act
    const failures = [
      ...(await deliverStock(main3, main1)),
      ...(await deliverStock(east1, main2, main3)),
      ...(await deliverStock(main1, east1)),
    ];
    const product = await call('GET', `/api/v1/products/${sku}`);

    // Assess
    expect(failures).toEqual([]);
    expect(product.body.stock).toEqual({ onHand: 9, reserved: 2, available: 7, incoming: 0 });
  });

  it('loses no location when events of several locations arrive at the same time', async () => {
    const sku = await createProduct();
    const locations = ['main', 'east', 'west', 'north', 'south', 'depot'];

    const failures = await Promise.all(locations.map((loc, i) => deliverStock(level(sku, loc, 1, i + 1))));
    const product = await call('GET', `/api/v1/products/${sku}`);

    expect(failures.flat()).toEqual([]);
    expect(product.body.stock.onHand).toBe(1 + 2 + 3 + 4 + 5 + 6);
  });

  it('refuses to delete a product while stock is on hand or reserved, and archives it at zero', async () => {
    const sku = await createProduct();
    await deliverStock(level(sku, 'main', 1, 3));
    const withStock = await call('DELETE', `/api/v1/products/${sku}`);
    await deliverStock(level(sku, 'main', 2, 0, 1));
    const withReservation = await call('DELETE', `/api/v1/products/${sku}`);
    await deliverStock(level(sku, 'main', 3, 0, 0));
    const empty = await call('DELETE', `/api/v1/products/${sku}`);

    expect(withStock.status).toBe(409);
    expect(withStock.headers.get('content-type')).toBe('application/problem+json');
    expect(withStock.body.stock).toMatchObject({ onHand: 3, reserved: 0 });
    expect(withReservation.status).toBe(409);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ status: 'archived', version: 2 });
  });

  it('reports a malformed stock message as a failure so it is retried and dead-lettered', async () => {
    const sku = await createProduct();
    const valid = level(sku, 'main', 1, 2);

    const failures = await deliverStock(
      'not json',
      { ...valid, data: { ...valid.data, levelVersion: 0 } },
      valid,
    );
    const product = await call('GET', `/api/v1/products/${sku}`);

    expect(failures).toHaveLength(2);
    expect(product.body.stock.onHand).toBe(2);
  });

  it('ignores stock of a SKU the catalog does not have', async () => {
    const sku = `GHOST-${uid()}`;

    const failures = await deliverStock(level(sku, 'main', 1, 2));
    const missing = await call('GET', `/api/v1/products/${sku}`);

    expect(failures).toEqual([]);
    expect(missing.status).toBe(404);
  });
});
