import { TransientError } from '../../lib/errors.ts';
import { handler as stockSagaTasks } from '../../services/stock/handlers/saga-tasks.ts';

/**
 * A test-only entry for stock's `saga-tasks` function: the REAL handler, behind a fault hook at
 * the stock boundary. A test plans faults per reservation (= order id) and action; everything
 * else goes straight through. The saga and both services run unchanged.
 */
export interface FaultPlan {
  action: 'reserve' | 'commit' | 'release';
  /** Throw TransientError on this many first calls, then behave. */
  transient?: number;
  /** Always throw PermanentFault (no Retry matches it). */
  permanent?: boolean;
  /**
   * Run the real handler (its DynamoDB write lands), then lose its answer and throw ResponseLost,
   * as a Lambda that timed out or crashed after the write would: this many first calls, or every call.
   */
  lostAfterWrite?: number | 'always';
}

export const faults = new Map<string, FaultPlan>();
/** Calls seen, per `<reservationId>/<action>`. */
export const calls = new Map<string, number>();

export class PermanentFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFault';
  }
}

export class ResponseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseLost';
  }
}

export async function handler(event: {
  action: FaultPlan['action'];
  reservationId: string;
}): Promise<unknown> {
  const key = `${event.reservationId}/${event.action}`;
  calls.set(key, (calls.get(key) ?? 0) + 1);
  const plan = faults.get(event.reservationId);
  if (plan?.action === event.action) {
    if (plan.permanent) throw new PermanentFault(`${event.action} of ${event.reservationId} is broken`);
    if (plan.transient && plan.transient > 0) {
      plan.transient--;
      throw new TransientError(`${event.action} of ${event.reservationId}: throttled`);
    }
  }
  const result = await stockSagaTasks(event);
  if (plan?.action === event.action && plan.lostAfterWrite) {
    if (plan.lostAfterWrite === 'always' || plan.lostAfterWrite-- > 0) {
      throw new ResponseLost(`${event.action} of ${event.reservationId} ran, its answer was lost`);
    }
  }
  return result;
}
