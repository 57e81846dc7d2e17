import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { documentClient, requireEnv } from '../../lib/aws.ts';
import type { Envelope } from '../../lib/events.ts';
import { tableEnvVar } from '../../lib/topology.ts';
import type { ProductSettings } from './domain/model.ts';
import type { StockLedger } from './domain/stock.ts';

/** Test fixtures for the stock service (used by its tests only). */

export const uniqueSku = (prefix = 'T'): string => `${prefix}-${ulid()}`;

/** Teaches the ledger a product (as a catalog event would) and optionally receives stock at `main`. */
export async function seedProduct(
  ledger: StockLedger,
  sku: string,
  options: Partial<Pick<ProductSettings, 'reorderPoint' | 'safetyStock' | 'allowBackorder'>> & {
    onHand?: number;
  } = {},
): Promise<void> {
  await ledger.applyProductSnapshot({
    sku,
    reorderPoint: options.reorderPoint ?? 0,
    safetyStock: options.safetyStock ?? 0,
    allowBackorder: options.allowBackorder ?? false,
    status: 'active',
    version: 1,
  });
  if (options.onHand) await ledger.receive({ sku, quantity: options.onHand }, { actor: 'test' });
}

/** Every envelope in the outboxes of a SKU's movements, oldest first (what the stream will publish). */
export async function outboxOf(sku: string): Promise<Envelope[]> {
  const result = await documentClient().send(
    new QueryCommand({
      TableName: requireEnv(tableEnvVar('stock')),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :mov)',
      ExpressionAttributeValues: { ':pk': `SKU#${sku}`, ':mov': 'MOV#' },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).flatMap((item) => (item.outbox as Envelope[] | undefined) ?? []);
}
