import type {
  PurchaseOrder,
  PurchaseOrderDetail,
  ReorderRule,
  Supplier,
  SupplierItem,
} from '../api/types.ts';

/** Test data of the purchasing pages: the JSON the replenishment API answers (its contract's shapes). */

export function supplier(overrides: Partial<Supplier> = {}): Supplier {
  return {
    id: 'acme',
    name: 'Acme Textiles',
    email: 'orders@acme.example',
    phone: '+14155550100',
    webhookUrl: 'https://acme.example/webhooks/azura',
    currency: 'USD',
    leadTimeDays: 5,
    active: true,
    backorderPolicy: 'keep_open',
    webhookStatus: 'enabled',
    performance: { receipts: 10, observedLeadTimeDays: 6.5, promisedLeadTimeDays: 5, onTimeRate: 0.8 },
    createdAt: '2024-05-01T10:00:00.000Z',
    updatedAt: '2024-05-02T10:00:00.000Z',
    ...overrides,
  };
}

export function supplierItem(overrides: Partial<SupplierItem> = {}): SupplierItem {
  return {
    supplierId: 'acme',
    sku: 'TEE-S',
    supplierSku: 'AC-TEE-S',
    unitCost: { amount: 450, currency: 'USD' },
    minOrderQty: 10,
    packMultiple: 6,
    priceBreaks: [{ minQty: 100, unitCost: { amount: 400, currency: 'USD' } }],
    performance: { receipts: 4, observedLeadTimeDays: 4, promisedLeadTimeDays: 5, onTimeRate: 1 },
    updatedAt: '2024-05-02T10:00:00.000Z',
    ...overrides,
  };
}

export function reorderRule(overrides: Partial<ReorderRule> = {}): ReorderRule {
  return {
    sku: 'TEE-S',
    locationId: 'main',
    min: 10,
    max: 50,
    multiple: 6,
    preferredSupplierId: 'acme',
    fallbackSupplierId: 'bolt',
    approvalThreshold: { amount: 50000, currency: 'USD' },
    updatedAt: '2024-05-02T10:00:00.000Z',
    position: {
      available: 4,
      onOrder: 12,
      onOrderLater: 20,
      suggestedQuantity: 36,
      asOf: '2024-05-03T09:00:00.000Z',
    },
    ...overrides,
  };
}

export function purchaseOrder(overrides: Partial<PurchaseOrder> = {}): PurchaseOrder {
  return {
    id: 'PO-01',
    supplierId: 'acme',
    locationId: 'main',
    lines: [
      {
        sku: 'TEE-S',
        supplierSku: 'AC-TEE-S',
        quantity: 36,
        received: 0,
        unitCost: { amount: 450, currency: 'USD' },
      },
      {
        sku: 'CAP-RED',
        supplierSku: 'AC-CAP',
        quantity: 12,
        received: 0,
        unitCost: { amount: 300, currency: 'USD' },
      },
    ],
    total: { amount: 19800, currency: 'USD' },
    status: 'SENT',
    origin: 'rule',
    expectedBy: '2024-05-08T00:00:00.000Z',
    needsApproval: false,
    history: [
      { status: 'DRAFT', at: '2024-05-03T09:00:00.000Z', by: 'system' },
      { status: 'SENT', at: '2024-05-03T09:00:02.000Z', by: 'system' },
    ],
    receipts: [],
    sentAt: '2024-05-03T09:00:02.000Z',
    createdAt: '2024-05-03T09:00:00.000Z',
    updatedAt: '2024-05-03T09:00:02.000Z',
    ...overrides,
  };
}

export function purchaseOrderDetail(overrides: Partial<PurchaseOrderDetail> = {}): PurchaseOrderDetail {
  return {
    ...purchaseOrder(),
    timeline: [
      {
        step: 'Begin',
        status: 'succeeded',
        startedAt: '2024-05-03T09:00:00.000Z',
        endedAt: '2024-05-03T09:00:00.500Z',
        attempts: 1,
      },
      {
        step: 'SendToSupplier',
        status: 'succeeded',
        startedAt: '2024-05-03T09:00:00.500Z',
        endedAt: '2024-05-03T09:00:02.000Z',
        attempts: 3,
      },
      { step: 'AwaitSupplier', status: 'running', startedAt: '2024-05-03T09:00:02.000Z', attempts: 1 },
    ],
    ...overrides,
  };
}
