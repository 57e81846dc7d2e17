import type { z } from 'zod';
import { eventConsumer } from '../../../lib/consumer.ts';
import { catalogEvents, type ProductDeleted, type ProductSnapshot } from '../../catalog/contract.ts';
import { defaultLedger } from '../store.ts';

type SnapshotEvent = { data: ProductSnapshot; correlationId: string };
type DeletedEvent = z.infer<(typeof ProductDeleted)['envelope']>;

const learn = async (event: SnapshotEvent): Promise<void> => {
  await defaultLedger().applyProductSnapshot(event.data, {
    actor: 'catalog',
    correlationId: event.correlationId,
  });
};

/**
 * Learns products and their thresholds from catalog events. Snapshots older than what is stored
 * are ignored, so redelivery and reordering are harmless.
 */
export const handler = eventConsumer('stock', catalogEvents, {
  ProductCreated: learn,
  ProductUpdated: learn,
  ProductDeleted: async (event: DeletedEvent) => {
    await defaultLedger().markProductDeleted(event.data.sku, event.data.version, {
      actor: 'catalog',
      correlationId: event.correlationId,
    });
  },
});
