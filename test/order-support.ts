import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ulid } from 'ulid';
import { sfn } from '../lib/aws.ts';
import type { Envelope } from '../lib/events.ts';
import type { ServiceDecl } from '../lib/topology.ts';
import { stateMachineEnvVar } from '../lib/topology.ts';
import { localTokenFor } from '../local/auth.ts';
import type { Runtime } from '../local/runtime.ts';
import type { OrderStatus } from '../services/orders/contract.ts';
import { ordersService } from '../services/orders/service.ts';
import { eventFeed, sendMessage } from '../services/orders/testing.ts';
import { stockService } from '../services/stock/service.ts';
import { defaultLedger } from '../services/stock/store.ts';
import { seedProduct, uniqueSku } from '../services/stock/testing.ts';
import { eventually } from './support/env.ts';
import { startTestRuntime } from './support/runtime.ts';

/**
 * The order platform, played through the real SQS API against the whole local runtime (orders +
 * stock + the order saga on the local Step Functions endpoint). Stock's saga-tasks function runs
 * behind a test-only fault hook (test/order-fixtures/faulty-stock-tasks.ts), otherwise unchanged.
 */
export const stockWithFaultHook: ServiceDecl = {
  ...stockService,
  functions: stockService.functions.map((f) =>
    f.id === 'saga-tasks' ? { ...f, entry: 'test/order-fixtures/faulty-stock-tasks.ts' } : f,
  ),
};

export interface OrderWorld {
  runtime: Runtime;
  inboundUrl: string;
  inboundDlqUrl: string;
  feed: ReturnType<typeof eventFeed>;
  send(body: unknown): Promise<void>;
  api<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }>;
  order(orderId: string): Promise<OrderView>;
  waitForStatus(orderId: string, status: OrderStatus, timeoutMs?: number): Promise<OrderView>;
  eventsOf(orderId: string): Envelope[];
  executionsOf(orderId: string): Promise<number>;
  stop(): Promise<void>;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  lines: { sku: string; quantity: number }[];
  history: { status: OrderStatus; at: string }[];
  shortfalls?: { sku: string; requested: number; available: number; reason: string }[];
  releaseReason?: string;
  timeline: { step: string; status: string; attempts: number; error?: string }[];
}

export async function startOrderWorld(options: { queueConcurrency?: number } = {}): Promise<OrderWorld> {
  const runtime = await startTestRuntime([stockWithFaultHook, ordersService], options);
  const queue = (name: string) => runtime.provisioned.queues.find((q) => q.name === name)!;
  const inbound = queue('orders-inbound');
  const feed = eventFeed(queue('platform-events').url);
  const token = await localTokenFor('viewer');
  const api = async <T>(path: string) => {
    const response = await fetch(`${runtime.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const order = async (orderId: string) => {
    const { status, body } = await api<OrderView>(`/api/v1/orders/${orderId}`);
    if (status !== 200) throw new Error(`GET order ${orderId}: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    runtime,
    inboundUrl: inbound.url,
    inboundDlqUrl: inbound.dlqUrl,
    feed,
    send: (body) => sendMessage(inbound.url, body),
    api,
    order,
    waitForStatus: (orderId, status, timeoutMs = 15_000) =>
      eventually(async () => {
        const view = await order(orderId);
        return view.status === status && view;
      }, timeoutMs),
    eventsOf: (orderId) =>
      feed.events.filter((e) => (e.data as { orderId?: string } | undefined)?.orderId === orderId),
    executionsOf: async (orderId) => {
      const { executions = [] } = await sfn().send(
        new ListExecutionsCommand({
          stateMachineArn: process.env[stateMachineEnvVar('order-saga')]!,
          maxResults: 1000,
        }),
      );
      return executions.filter((e) => e.name === orderId).length;
    },
    stop: async () => {
      await feed.stop();
      await runtime.stop();
    },
  };
}

export const newOrderId = (): string => `ORD-${ulid()}`;

/** A SKU stock knows, with this much on hand at `main`. */
export async function stockedSku(onHand: number): Promise<string> {
  const sku = uniqueSku('ORD');
  await seedProduct(defaultLedger(), sku, { onHand });
  return sku;
}

export const totalsOf = async (sku: string) => (await defaultLedger().getStock(sku)).totals;
export const ledgerConsistent = async (sku: string) => (await defaultLedger().replayLedger(sku)).consistent;
