import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';
import { skuSchema } from '../catalog/contract.ts';

/**
 * The stock service's public contract: its events, and the shapes of the operations the
 * order and replenishment sagas call. Other services import this file only.
 */

export const DEFAULT_LOCATION = 'main';
export const locationIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'location id: 1-32 lower-case letters, digits, -')
  .meta({ example: 'main' });

export const quantitiesSchema = z
  .object({
    onHand: z.number().int(),
    reserved: z.number().int(),
    incoming: z.number().int(),
    safetyStock: z.number().int(),
    available: z.number().int().meta({ description: 'onHand - reserved - safetyStock' }),
  })
  .meta({ id: 'Quantities' });
export type Quantities = z.infer<typeof quantitiesSchema>;

export const movementKindSchema = z.enum([
  'reserve',
  'release',
  'commit',
  'adjust',
  'count',
  'receive',
  'transfer_out',
  'transfer_in',
  'expect',
  'settings',
]);
export type MovementKind = z.infer<typeof movementKindSchema>;

export const StockLevelChanged = defineEvent(
  'StockLevelChanged',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    movementId: z.string(),
    kind: movementKindSchema,
    /** The level's version after the change: consumers ignore older ones. */
    levelVersion: z.number().int().positive(),
    quantities: quantitiesSchema,
  }),
);

export const StockLow = defineEvent(
  'StockLow',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    available: z.number().int(),
    incoming: z.number().int(),
    reorderPoint: z.number().int(),
  }),
);

export const OutOfStock = defineEvent(
  'OutOfStock',
  1,
  z.object({ sku: skuSchema, locationId: locationIdSchema }),
);

export const reservationLineSchema = z.object({
  sku: skuSchema,
  quantity: z.number().int().positive(),
  locationId: locationIdSchema.optional(),
});
export type ReservationLine = z.infer<typeof reservationLineSchema>;

export const ReservationExpired = defineEvent(
  'ReservationExpired',
  1,
  z.object({ reservationId: z.string(), lines: z.array(reservationLineSchema) }),
);

export const stockEvents = [StockLevelChanged, StockLow, OutOfStock, ReservationExpired] as const;

/** Per-line shortfall when a reservation cannot be met. */
export const shortfallSchema = z
  .object({
    sku: skuSchema,
    locationId: locationIdSchema,
    requested: z.number().int(),
    available: z.number().int(),
    reason: z.enum(['insufficient_stock', 'unknown_sku']),
  })
  .meta({ id: 'Shortfall' });
export type Shortfall = z.infer<typeof shortfallSchema>;
