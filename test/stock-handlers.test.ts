import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, requireEnv, sqs } from '../lib/aws.ts';
import { subscribeQueue } from '../local/provision.ts';
import { ProductCreated, ProductDeleted, ProductUpdated } from '../services/catalog/contract.ts';
import type { StockLedger } from '../services/stock/domain/stock.ts';
import { handler as catalogEvents } from '../services/stock/handlers/catalog-events.ts';
import { handler as publishEvents } from '../services/stock/handlers/publish-events.ts';
import {
  commitHandler,
  releaseHandler,
  reserveHandler,
  handler as sagaTask,
} from '../services/stock/handlers/saga-tasks.ts';
import { handler as sweeper } from '../services/stock/handlers/sweeper.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { eventually, provisionFor, sqsEventOf } from './support/env.ts';

let ledger: StockLedger;
let topicArn: string;
const context = { functionName: 'test', awsRequestId: 'req' } as Context;

beforeAll(async () => {
  const provisioned = await provisionFor([stockService]);
  topicArn = provisioned.topicArn;
  ledger = defaultLedger();
});

const sqsEvent = (bodies: string[]): SQSEvent => sqsEventOf(bodies, 'stock-catalog-events');

const snapshot = (sku: string, version: number, safetyStock = 0) => ({
  sku,
  name: 'Blue T-shirt',
  category: 'apparel',
  price: { amount: 1500, currency: 'EUR' },
  cost: { amount: 600, currency: 'EUR' },
  reorderPoint: 3,
  safetyStock,
  allowBackorder: false,
  status: 'active' as const,
  version,
});

describe('order saga tasks', () => {
  it('answers RESERVED with the expiry, then COMMITTED, and a release afterwards is a no-op', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });
    const reservationId = uniqueSku('order');

    const reserved = await reserveHandler({
      reservationId,
      lines: [{ sku, quantity: 2 }],
      correlationId: 'c-1',
    });
    const committed = await commitHandler({ reservationId });
    const released = await releaseHandler({ reservationId });

    expect(reserved).toMatchObject({ status: 'RESERVED', reservationId, expiresAt: expect.any(String) });
    expect(committed).toEqual({ status: 'COMMITTED', reservationId });
    expect(released).toEqual({ status: 'COMMITTED', reservationId });
    expect((await ledger.getStock(sku)).totals).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('answers REJECTED with the shortfalls (a result, not an error) when stock is short', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 1 });
    const reservationId = uniqueSku('order');

    const result = await sagaTask({ action: 'reserve', reservationId, lines: [{ sku, quantity: 2 }] });

    expect(result).toEqual({
      status: 'REJECTED',
      reservationId,
      shortfalls: [{ sku, locationId: 'main', requested: 2, available: 1, reason: 'insufficient_stock' }],
    });
  });

  it('throws a ConflictError when committing a released reservation, and a ValidationError for bad input', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });
    const reservationId = uniqueSku('order');
    await sagaTask({ action: 'reserve', reservationId, lines: [{ sku, quantity: 1 }] });

    expect(await sagaTask({ action: 'release', reservationId })).toEqual({
      status: 'RELEASED',
      reservationId,
    });
    await expect(sagaTask({ action: 'commit', reservationId })).rejects.toMatchObject({
      name: 'ConflictError',
    });
    await expect(reserveHandler({ reservationId, lines: [] })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(sagaTask({ action: 'ship', reservationId })).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });
});

describe('catalog events consumer', () => {
  it('learns a product from ProductCreated and its new thresholds from ProductUpdated', async () => {
    const sku = uniqueSku();
    const created = ProductCreated.create(snapshot(sku, 1), { id: ulid(), correlationId: 'c' });
    const updated = ProductUpdated.create(snapshot(sku, 2, 4), { id: ulid(), correlationId: 'c' });

    const first = await catalogEvents(sqsEvent([JSON.stringify(created)]), context, () => {});
    await ledger.receive({ sku, quantity: 10 }, { actor: 'test' });
    const second = await catalogEvents(sqsEvent([JSON.stringify(updated)]), context, () => {});

    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect((await ledger.getStock(sku)).locations[0]).toMatchObject({
      onHand: 10,
      safetyStock: 4,
      available: 6,
    });
  });

  it('reports malformed messages as batch item failures, changing nothing, while processing the rest', async () => {
    const sku = uniqueSku();
    const bad = { ...ProductCreated.create(snapshot(sku, 1), { id: ulid(), correlationId: 'c' }) } as {
      data: Record<string, unknown>;
    };
    bad.data = { ...bad.data, safetyStock: -1 };
    const good = uniqueSku();
    const event = sqsEvent([
      JSON.stringify(bad),
      'not json',
      JSON.stringify(ProductCreated.create(snapshot(good, 1), { id: ulid(), correlationId: 'c' })),
    ]);

    const result = await catalogEvents(event, context, () => {});

    expect(result).toEqual({
      batchItemFailures: event.Records.slice(0, 2).map((r) => ({ itemIdentifier: r.messageId })),
    });
    await expect(ledger.getStock(sku)).rejects.toMatchObject({ status: 404 });
    expect(await ledger.getStock(good)).toMatchObject({ sku: good, locations: [] });
  });

  it('stops reservations of a product deleted in the catalog', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });
    const deleted = ProductDeleted.create({ sku, version: 2 }, { id: ulid(), correlationId: 'c' });

    await catalogEvents(sqsEvent([JSON.stringify(deleted)]), context, () => {});

    const result = await reserveHandler({ reservationId: uniqueSku('order'), lines: [{ sku, quantity: 1 }] });
    expect(result).toMatchObject({ status: 'REJECTED', shortfalls: [{ reason: 'unknown_sku' }] });
  });
});

describe('sweeper and outbox publisher', () => {
  it('sweeps an expired reservation when scheduled', async () => {
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });
    const reservationId = uniqueSku('order');
    await reserveHandler({ reservationId, lines: [{ sku, quantity: 2 }], holdSeconds: 1 });

    await eventually(async () => {
      await sweeper({} as never, context, () => {});
      return (await ledger.getReservation(reservationId))?.status === 'EXPIRED';
    });

    expect((await ledger.getStock(sku)).totals).toMatchObject({ reserved: 0, available: 5 });
  });

  it('publishes the events a committed movement carries on the topic', async () => {
    // Prepare: a queue subscribed to every stock event, and a movement with its outbox
    const queue = await sqs().send(new CreateQueueCommand({ QueueName: `stock-events-${ulid()}` }));
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    await subscribeQueue(topicArn, Attributes!.QueueArn!, stockService.publishes);
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });
    const { Items } = await documentClient().send(
      new QueryCommand({
        TableName: requireEnv('STOCK_TABLE'),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :mov)',
        ExpressionAttributeValues: { ':pk': `SKU#${sku}`, ':mov': 'MOV#' },
      }),
    );
    const item = Items![0]!;
    const streamEvent = {
      Records: [
        {
          eventID: '1',
          eventName: 'INSERT',
          dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) },
        },
      ],
    } as unknown as DynamoDBStreamEvent;

    // Act
    const result = await publishEvents(streamEvent, context, () => {});

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const message = await eventually(async () => {
      const received = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl!, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      return received.Messages?.[0];
    });
    expect(JSON.parse(message.Body!)).toMatchObject({
      id: `${item.id}:0`,
      type: 'StockLevelChanged',
      version: 1,
      data: { sku, locationId: 'main', kind: 'receive', levelVersion: 1, quantities: { onHand: 5 } },
    });
  });

  it('publishes the StockShortfall of a count below what is reserved to its subscribers', async () => {
    // Prepare: a queue subscribed to StockShortfall only, and a count that finds a shortfall
    const queue = await sqs().send(new CreateQueueCommand({ QueueName: `stock-shortfalls-${ulid()}` }));
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    await subscribeQueue(topicArn, Attributes!.QueueArn!, ['StockShortfall']);
    const sku = uniqueSku();
    await seedProduct(ledger, sku, { onHand: 5 });
    const orderId = uniqueSku('order');
    await ledger.reserve(orderId, [{ sku, quantity: 4 }]);
    const { movement } = await ledger.count({ sku, countedQuantity: 1 }, { actor: 'test' });
    const { Items } = await documentClient().send(
      new QueryCommand({
        TableName: requireEnv('STOCK_TABLE'),
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': `SKU#${sku}`, ':sk': `MOV#${movement.id}` },
      }),
    );
    const streamEvent = {
      Records: [
        {
          eventID: '1',
          eventName: 'INSERT',
          dynamodb: { NewImage: marshall(Items![0]!, { removeUndefinedValues: true }) },
        },
      ],
    } as unknown as DynamoDBStreamEvent;

    // Act
    const result = await publishEvents(streamEvent, context, () => {});

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const message = await eventually(async () => {
      const received = await sqs().send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl!, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
      );
      return received.Messages?.[0];
    });
    expect(JSON.parse(message.Body!)).toMatchObject({
      type: 'StockShortfall',
      version: 1,
      data: { sku, shortfall: 3, reservations: [{ reservationId: orderId, quantity: 4 }] },
    });
  });
});
