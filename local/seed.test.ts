import { describe, expect, it } from 'vitest';
import {
  createSupplierBodySchema,
  reorderRuleBodySchema,
  supplierItemBodySchema,
} from '../services/replenishment/contract.ts';
import {
  orderQuantity,
  shouldReorder,
  totalOf,
  unitCostFor,
} from '../services/replenishment/domain/quantity.ts';
import { DEMO_PRODUCTS, DEMO_REORDER_RULES, DEMO_SUPPLIERS } from './seed.ts';

/**
 * The demo data is sent through the API on the first `npm start`; a body the API refuses would
 * stop the start. These check it against the same contract the API validates with, and that the
 * demo shows what it promises: one PO going out at once, one waiting for approval.
 */
describe('the demo suppliers and reorder rules', () => {
  const item = (supplierId: string, sku: string) =>
    supplierItemBodySchema.parse(DEMO_SUPPLIERS.find((s) => s.supplier.id === supplierId)?.items[sku]);

  it('are bodies the replenishment API accepts', () => {
    for (const demo of DEMO_SUPPLIERS) {
      const body = {
        ...demo.supplier,
        webhookUrl: `http://127.0.0.1:3100/suppliers/${demo.supplier.id}/webhook`,
      };
      expect(createSupplierBodySchema.safeParse(body).error).toBeUndefined();
      for (const body of Object.values(demo.items))
        expect(supplierItemBodySchema.safeParse(body).error).toBeUndefined();
    }
    for (const rule of Object.values(DEMO_REORDER_RULES))
      expect(reorderRuleBodySchema.safeParse(rule).error).toBeUndefined();
  });

  it('name demo products, and suppliers that sell each of them', () => {
    const skus = new Set(DEMO_PRODUCTS.map((p) => p.sku));
    for (const [sku, rule] of Object.entries(DEMO_REORDER_RULES)) {
      expect(skus).toContain(sku);
      for (const supplierId of [rule.preferredSupplierId, rule.fallbackSupplierId].filter(Boolean))
        expect(() => item(supplierId!, sku), `${supplierId} sells ${sku}`).not.toThrow();
    }
  });

  it('raise a purchase order at once for the SKUs that open below their min, one of them above its approval threshold', () => {
    const opening = DEMO_PRODUCTS.map((p) => {
      const rule = DEMO_REORDER_RULES[p.sku];
      const available = p.onHand - p.safetyStock;
      if (!rule || !shouldReorder(available, rule.min)) return undefined;
      const supplied = item(rule.preferredSupplierId, p.sku);
      const quantity = orderQuantity({
        max: rule.max,
        cover: available,
        ruleMultiple: rule.multiple,
        packMultiple: supplied.packMultiple,
        minOrderQty: supplied.minOrderQty,
      });
      const total = totalOf([{ quantity, unitCost: unitCostFor(supplied, quantity) }], 'USD');
      return {
        sku: p.sku,
        quantity,
        needsApproval: !!rule.approvalThreshold && total.amount >= rule.approvalThreshold.amount,
      };
    }).filter(Boolean);

    expect(opening).toEqual([
      { sku: 'TSHIRT-BLUE-L', quantity: 108, needsApproval: false },
      { sku: 'CANDLE-CEDAR', quantity: 72, needsApproval: false },
      { sku: 'CHARGER-65W', quantity: 60, needsApproval: true },
    ]);
  });
});
