import type { z } from 'zod';
import { eventConsumer } from '../../../lib/consumer.ts';
import { StockLevelChanged } from '../../stock/contract.ts';
import { defaultPlanner } from '../wiring.ts';

/**
 * Learns each SKU × location's level from StockLevelChanged (older and duplicate versions are
 * ignored) and raises a PO when its reorder rule's min is reached.
 */
export const handler = eventConsumer('replenishment', [StockLevelChanged], {
  StockLevelChanged: async (event: z.infer<typeof StockLevelChanged.envelope>) => {
    await defaultPlanner().applyStockLevel(event.data, {
      correlationId: event.correlationId,
      occurredAt: event.occurredAt,
    });
  },
});
