import { ConflictError, NotFoundError, TransientError, UnprocessableError } from '../../../lib/errors.ts';
import type { Quantities } from '../../stock/contract.ts';
import type { ListReorderRulesQuery, ReorderRule, ReorderRuleBody } from '../contract.ts';
import type {
  OpenQuantity,
  OrderPlan,
  PurchaseOrdering,
  StoredRule,
  StoredSupplier,
  StoredSupplierItem,
  SupplierDirectory,
} from './model.ts';
import { orderQuantity, shouldReorder, unitCostFor } from './quantity.ts';

/** Someone else wrote the rule between our read and our conditional write. */
export class StaleRuleError extends ConflictError {}

/** What the planner knows of a SKU × location's stock: the newest StockLevelChanged it has seen. */
export interface StockPosition {
  sku: string;
  locationId: string;
  available: number;
  onHand: number;
  reserved: number;
  incoming: number;
  levelVersion: number;
  /** When the level changed (the event's occurredAt). */
  asOf: string;
}

/** The rules' and the level projection's persistence port (services/replenishment/supplier-store.ts). */
export interface RuleStore {
  getRule(sku: string, locationId: string): Promise<StoredRule | undefined>;
  listRules(query: ListReorderRulesQuery): Promise<{ items: StoredRule[]; nextCursor: string | null }>;
  /** Writes if the stored `rev` is `expectedRev` (undefined: must not exist). Else StaleRuleError. */
  saveRule(rule: StoredRule, expectedRev: number | undefined): Promise<void>;
  /** True when it existed. */
  deleteRule(sku: string, locationId: string): Promise<boolean>;
  getLevel(sku: string, locationId: string): Promise<StockPosition | undefined>;
  /** Stores the level unless one with the same or a newer `levelVersion` is stored; true when stored. */
  applyLevel(level: StockPosition): Promise<boolean>;
}

export interface PlannerConfig {
  now?: () => Date;
  maxAttempts?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, details: Record<string, unknown>) => void;
}

/** Why an evaluation raised nothing, or what it raised. */
export type Evaluation =
  | { outcome: 'no_rule' | 'snoozed' | 'no_level' | 'no_supplier' }
  | { outcome: 'covered'; cover: number; min: number }
  | { outcome: 'raised'; purchaseOrderId: string; created: boolean; plan: OrderPlan };

export interface SweepResult {
  evaluated: number;
  raised: number;
  failed: number;
  /** False: the time budget ran out before every rule was seen (the next sweep starts over). */
  complete: boolean;
}

const DAY_MS = 24 * 3600 * 1000;
/** The last millisecond of that instant's UTC day. */
const endOfUtcDay = (at: Date): Date => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS + DAY_MS - 1);
const SYSTEM = { actor: 'system:reorder-rule' };

interface Choice {
  supplier: StoredSupplier;
  item: StoredSupplierItem;
  /** True: the preferred supplier (the rule's fallback stays the plan's fallback). */
  preferred: boolean;
}

/** The rule without the store's bookkeeping. */
function ruleView(rule: StoredRule, position?: ReorderRule['position']): ReorderRule {
  const { rev: _rev, ...rest } = rule;
  return { ...rest, ...(position ? { position } : {}) };
}

/**
 * Reorder rules, the stock levels they watch (a projection of the stock service's
 * StockLevelChanged events), and the decision: when `available + open PO quantity expected within
 * the lead time ≤ min`, raise a PO for `max − that cover`, rounded up to packs and the rule's
 * multiple (domain/quantity.ts), from the preferred supplier — or the fallback when the preferred
 * cannot take orders (inactive, webhook disabled by a 410, no item for the SKU).
 *
 * Stock already on order counts as cover (InvenTree #4904 ordered it twice); stock on order but
 * due after the lead time does not (OCA stock-logistics-warehouse #582 ran out waiting for it).
 * Raising is idempotent at the purchase orders' side (one open PO per SKU × location ×
 * supplier), so an evaluation may run any number of times: on every event, on a rule's PUT, in
 * the sweep.
 */
export class ReorderPlanner {
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  private readonly log: NonNullable<PlannerConfig['log']>;

  constructor(
    private readonly rules: RuleStore,
    private readonly suppliers: Pick<SupplierDirectory, 'getSupplier' | 'getItem'>,
    private readonly ordering: () => Pick<PurchaseOrdering, 'openQuantity' | 'raise'>,
    config: PlannerConfig = {},
  ) {
    this.now = config.now ?? (() => new Date());
    this.maxAttempts = config.maxAttempts ?? 10;
    this.log = config.log ?? (() => undefined);
  }

  // ------------------------------------------------------------ rules

  /**
   * Creates or replaces the rule of a SKU × location, then evaluates it at once (a rule put on a
   * SKU already below its min orders now, not at the next event). The suppliers must exist and
   * sell the SKU (422 naming the field otherwise); the approval threshold is in the preferred
   * supplier's currency.
   */
  async putRule(
    sku: string,
    body: ReorderRuleBody & { locationId: string },
    ctx: { correlationId: string },
  ): Promise<{ rule: ReorderRule; created: boolean; evaluation?: Evaluation }> {
    const preferred = await this.requireSupplierItem(body.preferredSupplierId, sku, 'preferredSupplierId');
    if (body.fallbackSupplierId)
      await this.requireSupplierItem(body.fallbackSupplierId, sku, 'fallbackSupplierId');
    if (body.approvalThreshold && body.approvalThreshold.currency !== preferred.currency) {
      throw unprocessable(
        'approvalThreshold.currency',
        `must be the preferred supplier's currency, ${preferred.currency}`,
      );
    }
    let created = false;
    let saved: StoredRule | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts && !saved; attempt++) {
      const current = await this.rules.getRule(sku, body.locationId);
      const rule: StoredRule = {
        sku,
        locationId: body.locationId,
        min: body.min,
        max: body.max,
        multiple: body.multiple,
        preferredSupplierId: body.preferredSupplierId,
        ...(body.fallbackSupplierId ? { fallbackSupplierId: body.fallbackSupplierId } : {}),
        ...(body.approvalThreshold ? { approvalThreshold: body.approvalThreshold } : {}),
        ...(body.snoozedUntil ? { snoozedUntil: new Date(body.snoozedUntil).toISOString() } : {}),
        updatedAt: this.now().toISOString(),
        rev: (current?.rev ?? 0) + 1,
      };
      try {
        await this.rules.saveRule(rule, current?.rev);
        saved = rule;
        created = !current;
      } catch (error) {
        if (!(error instanceof StaleRuleError)) throw error;
      }
    }
    if (!saved)
      throw new TransientError(`reorder rule ${sku}@${body.locationId}: gave up after contended writes`);
    // The rule is saved whatever the evaluation does: a failure there (purchase orders unreachable)
    // is logged and left to the next stock event or the sweep, not reported as a failed PUT.
    let evaluation: Evaluation | undefined;
    try {
      evaluation = await this.evaluate(sku, body.locationId, ctx);
    } catch (error) {
      this.log('error', 'reorder rule evaluation failed; the sweep will retry it', {
        sku,
        locationId: body.locationId,
        error: (error as Error).message,
      });
    }
    const position = await this.position(saved).catch(() => undefined);
    return { rule: ruleView(saved, position), created, evaluation };
  }

  async getRule(sku: string, locationId: string): Promise<ReorderRule> {
    const rule = await this.rules.getRule(sku, locationId);
    if (!rule) throw new NotFoundError(`No reorder rule for ${sku} at ${locationId}`, { sku, locationId });
    return ruleView(rule, await this.position(rule));
  }

  async listRules(
    query: ListReorderRulesQuery,
  ): Promise<{ items: ReorderRule[]; nextCursor: string | null }> {
    const page = await this.rules.listRules(query);
    const items = await Promise.all(page.items.map(async (r) => ruleView(r, await this.position(r))));
    return { items, nextCursor: page.nextCursor };
  }

  /** Idempotent: deleting a rule that is not there is not an error. */
  async deleteRule(sku: string, locationId: string): Promise<void> {
    await this.rules.deleteRule(sku, locationId);
  }

  // ------------------------------------------------------------ the level projection

  /**
   * One StockLevelChanged: keeps the level if it is newer than the one known (an older or equal
   * `levelVersion` — a late or duplicate delivery — is ignored), then evaluates the rule against
   * the newest level known. The evaluation runs even for an ignored event: a redelivery after a
   * failed evaluation must still get its PO raised (raising twice changes nothing).
   */
  async applyStockLevel(
    data: { sku: string; locationId: string; levelVersion: number; quantities: Quantities },
    ctx: { correlationId: string; occurredAt: string },
  ): Promise<{ applied: boolean; evaluation: Evaluation }> {
    const applied = await this.rules.applyLevel({
      sku: data.sku,
      locationId: data.locationId,
      available: data.quantities.available,
      onHand: data.quantities.onHand,
      reserved: data.quantities.reserved,
      incoming: data.quantities.incoming,
      levelVersion: data.levelVersion,
      asOf: new Date(ctx.occurredAt).toISOString(),
    });
    return { applied, evaluation: await this.evaluate(data.sku, data.locationId, ctx) };
  }

  // ------------------------------------------------------------ the decision

  /** Decides for one SKU × location and raises the PO when one is due. */
  async evaluate(sku: string, locationId: string, ctx: { correlationId: string }): Promise<Evaluation> {
    const rule = await this.rules.getRule(sku, locationId);
    if (!rule) return { outcome: 'no_rule' };
    const now = this.now();
    if (rule.snoozedUntil && Date.parse(rule.snoozedUntil) > now.getTime()) return { outcome: 'snoozed' };
    const level = await this.rules.getLevel(sku, locationId);
    if (!level) {
      // Nothing known of this stock yet: ordering blind could order what is on the shelf.
      this.log('info', 'reorder rule has no stock level yet', { sku, locationId });
      return { outcome: 'no_level' };
    }
    const choice = await this.choose(rule);
    if (!choice) {
      this.log('warn', 'reorder rule has no supplier that can take an order', {
        sku,
        locationId,
        preferredSupplierId: rule.preferredSupplierId,
        fallbackSupplierId: rule.fallbackSupplierId,
      });
      return { outcome: 'no_supplier' };
    }
    const leadTimeDays = choice.item.leadTimeDays ?? choice.supplier.leadTimeDays;
    const open = await this.openWithin(sku, locationId, leadTimeDays, now);
    const cover = level.available + open.within;
    if (!shouldReorder(cover, rule.min)) return { outcome: 'covered', cover, min: rule.min };
    const quantity = this.quantityFor(rule, choice.item, cover);
    if (quantity <= 0) return { outcome: 'covered', cover, min: rule.min };
    const plan: OrderPlan = {
      sku,
      locationId,
      supplierId: choice.supplier.id,
      supplierSku: choice.item.supplierSku,
      quantity,
      unitCost: unitCostFor(choice.item, quantity),
      leadTimeDays,
      ...thresholdFor(rule, choice.supplier),
      ...(choice.preferred && rule.fallbackSupplierId ? { fallbackSupplierId: rule.fallbackSupplierId } : {}),
    };
    const raised = await this.ordering().raise(plan, { ...SYSTEM, correlationId: ctx.correlationId });
    this.log('info', raised.created ? 'purchase order raised' : 'purchase order already open', {
      sku,
      locationId,
      supplierId: plan.supplierId,
      quantity,
      cover,
      purchaseOrderId: raised.purchaseOrderId,
    });
    return { outcome: 'raised', purchaseOrderId: raised.purchaseOrderId, created: raised.created, plan };
  }

  /** What the rule sees now, for GET: absent before the first stock event. */
  async position(rule: StoredRule): Promise<ReorderRule['position']> {
    const level = await this.rules.getLevel(rule.sku, rule.locationId);
    if (!level) return undefined;
    const now = this.now();
    const choice = await this.choose(rule);
    const preferred = choice ? undefined : await this.suppliers.getSupplier(rule.preferredSupplierId);
    const leadTimeDays = choice
      ? (choice.item.leadTimeDays ?? choice.supplier.leadTimeDays)
      : (preferred?.leadTimeDays ?? 0);
    const open = await this.openWithin(rule.sku, rule.locationId, leadTimeDays, now);
    const cover = level.available + open.within;
    const snoozed = rule.snoozedUntil !== undefined && Date.parse(rule.snoozedUntil) > now.getTime();
    const suggestedQuantity =
      choice && !snoozed && shouldReorder(cover, rule.min) ? this.quantityFor(rule, choice.item, cover) : 0;
    return {
      available: level.available,
      onOrder: open.within,
      onOrderLater: open.later,
      suggestedQuantity,
      asOf: level.asOf,
    };
  }

  // ------------------------------------------------------------ the sweep

  /**
   * Evaluates every rule, a page at a time, until done or until the time budget is spent (then it
   * stops before the next rule and says so: the next sweep starts over, which is harmless). One
   * rule failing is logged and counted; the others still run.
   */
  async sweep(options: { budgetMs: number; correlationId: string; pageSize?: number }): Promise<SweepResult> {
    const started = Date.now();
    const result: SweepResult = { evaluated: 0, raised: 0, failed: 0, complete: false };
    let cursor: string | undefined;
    do {
      const page = await this.rules.listRules({
        limit: options.pageSize ?? 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const rule of page.items) {
        if (Date.now() - started >= options.budgetMs) return result;
        try {
          const evaluation = await this.evaluate(rule.sku, rule.locationId, options);
          result.evaluated++;
          if (evaluation.outcome === 'raised' && evaluation.created) result.raised++;
        } catch (error) {
          result.failed++;
          this.log('error', 'reorder rule evaluation failed', {
            sku: rule.sku,
            locationId: rule.locationId,
            error: (error as Error).message,
          });
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    result.complete = true;
    return result;
  }

  // ------------------------------------------------------------ helpers

  private quantityFor(rule: StoredRule, item: StoredSupplierItem, cover: number): number {
    return orderQuantity({
      max: rule.max,
      cover,
      ruleMultiple: rule.multiple,
      packMultiple: item.packMultiple,
      minOrderQty: item.minOrderQty,
    });
  }

  /**
   * Open PO quantity expected by the day a PO raised now would arrive. Days, not instants: a
   * supplier promises a date, which counts as the end of that day, so a PO due the same day as a
   * new one would be is cover (comparing instants called it "later" and suggested ordering again).
   */
  private openWithin(
    sku: string,
    locationId: string,
    leadTimeDays: number,
    now: Date,
  ): Promise<OpenQuantity> {
    return this.ordering().openQuantity(
      sku,
      locationId,
      endOfUtcDay(new Date(now.getTime() + leadTimeDays * DAY_MS)),
    );
  }

  /** The preferred supplier if it can take an order, else the fallback if it can, else none. */
  private async choose(rule: StoredRule): Promise<Choice | undefined> {
    const preferred = await this.usable(rule.preferredSupplierId, rule.sku);
    if (preferred) return { ...preferred, preferred: true };
    if (!rule.fallbackSupplierId) return undefined;
    const fallback = await this.usable(rule.fallbackSupplierId, rule.sku);
    return fallback ? { ...fallback, preferred: false } : undefined;
  }

  private async usable(
    supplierId: string,
    sku: string,
  ): Promise<{ supplier: StoredSupplier; item: StoredSupplierItem } | undefined> {
    const [supplier, item] = await Promise.all([
      this.suppliers.getSupplier(supplierId),
      this.suppliers.getItem(supplierId, sku),
    ]);
    if (!supplier?.active || supplier.webhookStatus !== 'enabled' || !item) return undefined;
    return { supplier, item };
  }

  private async requireSupplierItem(supplierId: string, sku: string, field: string): Promise<StoredSupplier> {
    const supplier = await this.suppliers.getSupplier(supplierId);
    if (!supplier) throw unprocessable(field, `no supplier ${supplierId}`);
    const item = await this.suppliers.getItem(supplierId, sku);
    if (!item) throw unprocessable(field, `supplier ${supplierId} has no item for SKU ${sku}`);
    return supplier;
  }
}

function unprocessable(field: string, message: string): UnprocessableError {
  return new UnprocessableError(`${field}: ${message}`, { errors: [{ field, message }] });
}

/**
 * The rule's approval threshold for a PO of this supplier. It is in the preferred supplier's
 * currency; a fallback supplier billing in another currency cannot be compared with it, so its
 * PO always waits for a manager (a zero threshold) rather than going out unchecked.
 */
function thresholdFor(rule: StoredRule, supplier: StoredSupplier): Pick<OrderPlan, 'approvalThreshold'> {
  if (!rule.approvalThreshold) return {};
  if (rule.approvalThreshold.currency === supplier.currency)
    return { approvalThreshold: rule.approvalThreshold };
  return { approvalThreshold: { amount: 0, currency: supplier.currency } };
}
