import { userInfo } from 'node:os';
import { ulid } from 'ulid';
import { documentClient } from '../lib/aws.ts';
import {
  applyCorrection,
  checkLedger,
  checkSku,
  type DriftReport,
  type LevelCorrection,
  repairPlan,
  type SkuDrift,
} from '../services/stock/domain/drift.ts';
import type { Movement } from '../services/stock/domain/model.ts';
import { DynamoStockStore } from '../services/stock/store.ts';
import { CliError } from './output.ts';
import { type Target, tableOf } from './target.ts';

/**
 * `azura ledger check|repair`: the drift detector of `services/stock/domain/drift.ts` (the same
 * code the scheduled `stock/drift-check` runs) over the target's stock table.
 */
export const stockStoreOf = (target: Target): DynamoStockStore =>
  new DynamoStockStore(documentClient(), tableOf(target, 'stock'));

export async function ledgerCheck(target: Target, sku?: string): Promise<DriftReport> {
  const store = stockStoreOf(target);
  if (sku) await requireKnown(store, sku);
  return checkLedger(store, sku ? { sku } : {});
}

async function requireKnown(store: DynamoStockStore, sku: string): Promise<void> {
  const [product, levels] = await Promise.all([store.getProduct(sku), store.levelsOf(sku)]);
  if (!product && !levels.length)
    throw new CliError(`SKU ${sku} is not known to stock (no product, no level)`);
}

export interface RepairProposal {
  sku: string;
  drift?: SkuDrift;
  plan: LevelCorrection[];
}

export async function proposeRepair(target: Target, sku: string): Promise<RepairProposal> {
  const store = stockStoreOf(target);
  await requireKnown(store, sku);
  const checked = await checkSku(store, sku);
  if (!checked.stable) {
    throw new CliError(`SKU ${sku} kept changing while it was read: nothing proposed, try again in a moment`);
  }
  if (!checked.drift) return { sku, plan: [] };
  const product = await store.getProduct(sku);
  return { sku, drift: checked.drift, plan: repairPlan(checked.drift, () => product?.safetyStock ?? 0) };
}

export async function applyRepair(target: Target, proposal: RepairProposal): Promise<Movement[]> {
  const store = stockStoreOf(target);
  const ctx = { actor: `cli:${userInfo().username}`, correlationId: `ledger-repair:${ulid()}` };
  const applied: Movement[] = [];
  for (const correction of proposal.plan) applied.push(await applyCorrection(store, correction, ctx));
  return applied;
}

const q = (x: { onHand: number; reserved: number; incoming: number; available?: number }) =>
  `onHand ${x.onHand}, reserved ${x.reserved}, incoming ${x.incoming}${x.available !== undefined ? `, available ${x.available}` : ''}`;

export function describeDrift(drift: SkuDrift): string[] {
  return drift.levels.map(
    (l) =>
      `  ${drift.sku} @ ${l.locationId}: stored ${l.stored ? q(l.stored) : '(no level item)'}; ` +
      `ledger replays to ${q(l.replayed)} (${drift.movements} movements)`,
  );
}

export function describePlan(plan: readonly LevelCorrection[]): string[] {
  return plan.map(
    (c) =>
      `  ${c.sku} @ ${c.locationId}: ${q(c.from)}  ->  ${q(c.to)}  ` +
      `(a zero-delta "correction" movement records it; only if the level is still at version ${c.expectedVersion})`,
  );
}
