import type { z } from 'zod';
import { eventConsumer } from '../../../lib/consumer.ts';
import { StockLevelChanged } from '../../stock/contract.ts';
import { Catalog } from '../domain/catalog.ts';
import { S3ImageStore } from '../images.ts';
import { DynamoProductStore } from '../store.ts';

let catalog: Catalog | undefined;
const wired = () => {
  catalog ??= new Catalog(new DynamoProductStore(), new S3ImageStore());
  return catalog;
};

/** Keeps each product's stock projection from StockLevelChanged (idempotent, order-insensitive). */
export const handler = eventConsumer('catalog', [StockLevelChanged], {
  StockLevelChanged: async (event: z.infer<typeof StockLevelChanged.envelope>) => {
    await wired().applyStockLevel(event.data);
  },
});
