import { z } from 'zod';
import { defineEvent } from '../../lib/events.ts';
import { skuSchema } from '../catalog/contract.ts';
import { locationIdSchema } from '../stock/contract.ts';

/**
 * The events the reporting service publishes (part of its public contract, beside contract.ts).
 * Its scheduled `planning` run (hourly) works out the days of cover of every SKU × location from
 * the read model and the demand forecast:
 * - `DaysOfCoverLow`, every run, for each SKU × location whose days of cover are below the SKU's
 *   lead time (a reorder placed now would arrive after the stock runs out). Its id is
 *   `cover:<sku>:<location>:<runAt hour>`, so a retried run publishes the same ids.
 * - `DaysOfCoverRecovered`, once, for a SKU × location that was low on the previous run and no
 *   longer is (cover back at or above the lead time, or no demand forecast any more). Its id is
 *   `cover-recovered:<sku>:<location>:<runAt hour>`.
 * A consumer keeps one episode per SKU × location: low opens it, recovered closes it; `runAt`
 * orders them (an event of an older run than the last one applied changes nothing).
 */

const days = z.number().nonnegative();
const runAt = z.iso.datetime().meta({ description: 'When the planning run computed it (UTC)' });

export const leadTimeSourceSchema = z.enum(['sku', 'supplier', 'default']).meta({
  id: 'LeadTimeSource',
  description:
    "`sku`: the average lead time of this SKU's receipts; `supplier`: its supplier's average over all its receipts; `default`: 7 days (no receipt seen yet)",
});
export type LeadTimeSource = z.infer<typeof leadTimeSourceSchema>;

export const DaysOfCoverLow = defineEvent(
  'DaysOfCoverLow',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    /** Days until the available stock is used up by the forecast daily demand (< leadTimeDays). */
    daysOfCover: days,
    leadTimeDays: days,
    leadTimeSource: leadTimeSourceSchema,
    /** Available now at this location (onHand − reserved − safety stock). */
    available: z.number().int(),
    /** The forecast demand of the next day (units a day, the SKU's, all locations). */
    dailyDemand: days,
    runAt,
  }),
);

export const DaysOfCoverRecovered = defineEvent(
  'DaysOfCoverRecovered',
  1,
  z.object({
    sku: skuSchema,
    locationId: locationIdSchema,
    /** Days of cover now; null when no demand is forecast (or the SKU is no longer planned). */
    daysOfCover: days.nullable(),
    leadTimeDays: days.nullable(),
    available: z.number().int().nullable(),
    dailyDemand: days.nullable(),
    runAt,
  }),
);

export const reportingPublishedEvents = [DaysOfCoverLow, DaysOfCoverRecovered] as const;
