import type {
  CreateSupplierBody,
  ReorderRuleBody,
  SupplierItemBody,
} from '../services/replenishment/contract.ts';
import { localTokenFor } from './auth.ts';
import type { SupplierRules, SupplierSimulator } from './supplier-simulator.ts';

/**
 * A small demo catalog with stock, suppliers and reorder rules, created through the public API
 * on first start exactly as a person would: create the products, the suppliers (each pointing
 * at the supplier simulator, which learns the signing secret our API hands out once), their
 * items and the reorder rules, then receive the opening stock once the stock service has learned
 * each product from the catalog's events. The rules exist before the stock does, so the SKUs that
 * open below their min raise their purchase orders at once: the replenishment flow is visible
 * from the first minute.
 */
interface DemoProduct {
  sku: string;
  name: string;
  category: string;
  description: string;
  price: number;
  cost: number;
  reorderPoint: number;
  safetyStock: number;
  onHand: number;
}

export const DEMO_PRODUCTS: DemoProduct[] = [
  {
    sku: 'TSHIRT-BLUE-M',
    name: 'Classic T-shirt, blue, M',
    category: 'apparel',
    description: 'Organic cotton crew neck.',
    price: 1999,
    cost: 650,
    reorderPoint: 20,
    safetyStock: 5,
    onHand: 120,
  },
  {
    sku: 'TSHIRT-BLUE-L',
    name: 'Classic T-shirt, blue, L',
    category: 'apparel',
    description: 'Organic cotton crew neck.',
    price: 1999,
    cost: 650,
    reorderPoint: 20,
    safetyStock: 5,
    onHand: 18,
  },
  {
    sku: 'HOODIE-GREY-M',
    name: 'Zip hoodie, grey, M',
    category: 'apparel',
    description: 'Brushed fleece, YKK zip.',
    price: 4900,
    cost: 1800,
    reorderPoint: 10,
    safetyStock: 2,
    onHand: 35,
  },
  {
    sku: 'MUG-AZURA-350',
    name: 'Azura mug 350 ml',
    category: 'home',
    description: 'Stoneware, dishwasher safe.',
    price: 1200,
    cost: 300,
    reorderPoint: 25,
    safetyStock: 0,
    onHand: 240,
  },
  {
    sku: 'CANDLE-CEDAR',
    name: 'Cedar candle',
    category: 'home',
    description: 'Soy wax, 40 h burn.',
    price: 1800,
    cost: 520,
    reorderPoint: 15,
    safetyStock: 3,
    onHand: 0,
  },
  {
    sku: 'EARBUDS-PRO',
    name: 'Wireless earbuds Pro',
    category: 'electronics',
    description: 'ANC, 30 h with case.',
    price: 12900,
    cost: 6100,
    reorderPoint: 8,
    safetyStock: 2,
    onHand: 42,
  },
  {
    sku: 'CHARGER-65W',
    name: 'USB-C charger 65 W',
    category: 'electronics',
    description: 'GaN, two ports.',
    price: 3900,
    cost: 1400,
    reorderPoint: 12,
    safetyStock: 2,
    onHand: 9,
  },
  {
    sku: 'NOTEBOOK-A5',
    name: 'Dotted notebook A5',
    category: 'stationery',
    description: '160 pages, lay-flat.',
    price: 1400,
    cost: 380,
    reorderPoint: 30,
    safetyStock: 5,
    onHand: 300,
  },
];

type Body = { [key: string]: unknown };

interface DemoSupplier {
  supplier: Omit<CreateSupplierBody, 'webhookUrl' | 'active' | 'backorderPolicy'> &
    Partial<Pick<CreateSupplierBody, 'backorderPolicy'>>;
  /** How its simulated system behaves. */
  simulator: SupplierRules;
  items: Record<string, SupplierItemBody>;
}

const usd = (amount: number) => ({ amount, currency: 'USD' });

export const DEMO_SUPPLIERS: DemoSupplier[] = [
  {
    supplier: {
      id: 'acme-textiles',
      name: 'Acme Textiles',
      email: 'orders@acme-textiles.example',
      phone: '+14155550100',
      currency: 'USD',
      leadTimeDays: 5,
    },
    simulator: { ackDelayMs: 1500, ship: true, shipDelayMs: 5000 },
    items: {
      'TSHIRT-BLUE-M': {
        supplierSku: 'ACME-TS-BL-M',
        unitCost: usd(650),
        minOrderQty: 24,
        packMultiple: 12,
        priceBreaks: [{ minQty: 120, unitCost: usd(590) }],
      },
      'TSHIRT-BLUE-L': {
        supplierSku: 'ACME-TS-BL-L',
        unitCost: usd(650),
        minOrderQty: 24,
        packMultiple: 12,
        priceBreaks: [{ minQty: 120, unitCost: usd(590) }],
      },
      'HOODIE-GREY-M': { supplierSku: 'ACME-HD-GR-M', unitCost: usd(1800), minOrderQty: 6, packMultiple: 6 },
    },
  },
  {
    supplier: {
      id: 'northwind-supply',
      name: 'Northwind Supply',
      email: 'purchasing@northwind-supply.example',
      currency: 'USD',
      leadTimeDays: 8,
      backorderPolicy: 'close_short',
    },
    // The fallback: slower, and out of hoodies.
    simulator: { ackDelayMs: 2500, rejectSkus: ['HOODIE-GREY-M'] },
    items: {
      'TSHIRT-BLUE-M': { supplierSku: 'NW-100-BM', unitCost: usd(720), minOrderQty: 10, packMultiple: 1 },
      'TSHIRT-BLUE-L': { supplierSku: 'NW-100-BL', unitCost: usd(720), minOrderQty: 10, packMultiple: 1 },
      'HOODIE-GREY-M': { supplierSku: 'NW-220-GM', unitCost: usd(1950), minOrderQty: 5, packMultiple: 1 },
      'CANDLE-CEDAR': {
        supplierSku: 'NW-CNDL-CDR',
        unitCost: usd(520),
        minOrderQty: 12,
        packMultiple: 12,
        leadTimeDays: 4,
      },
      'MUG-AZURA-350': { supplierSku: 'NW-MUG-350', unitCost: usd(300), minOrderQty: 36, packMultiple: 36 },
    },
  },
  {
    supplier: {
      id: 'volt-electronics',
      name: 'Volt Electronics',
      email: 'b2b@volt-electronics.example',
      phone: '+442071838750',
      currency: 'USD',
      leadTimeDays: 10,
    },
    simulator: { ackDelayMs: 1000, ship: true, shipDelayMs: 8000 },
    items: {
      'EARBUDS-PRO': { supplierSku: 'VE-EBP-2', unitCost: usd(6100), minOrderQty: 10, packMultiple: 10 },
      'CHARGER-65W': {
        supplierSku: 'VE-CH65',
        unitCost: usd(1400),
        minOrderQty: 20,
        packMultiple: 10,
        priceBreaks: [
          { minQty: 50, unitCost: usd(1300) },
          { minQty: 100, unitCost: usd(1200) },
        ],
      },
    },
  },
];

/**
 * Reorder rules at the main location. TSHIRT-BLUE-L (18 on hand) and CHARGER-65W (9) open at or
 * below their min: the first PO goes to Acme and is acknowledged and shipped by the simulator;
 * the second is above its approval threshold and waits for a manager. CANDLE-CEDAR (none on
 * hand, no opening receipt) orders from Northwind once the replenishment service learns its level.
 * HOODIE-GREY-M shows the fallback: Northwind rejects hoodies, so when Acme is down
 * (`configure('acme-textiles', { respondStatus: 503 })`) the hoodie PO ends rejected.
 */
export const DEMO_REORDER_RULES: Record<string, ReorderRuleBody> = {
  'TSHIRT-BLUE-M': {
    min: 20,
    max: 150,
    multiple: 1,
    preferredSupplierId: 'acme-textiles',
    fallbackSupplierId: 'northwind-supply',
  },
  'TSHIRT-BLUE-L': {
    min: 20,
    max: 120,
    multiple: 1,
    preferredSupplierId: 'acme-textiles',
    fallbackSupplierId: 'northwind-supply',
  },
  'HOODIE-GREY-M': {
    min: 10,
    max: 48,
    multiple: 1,
    preferredSupplierId: 'acme-textiles',
    fallbackSupplierId: 'northwind-supply',
  },
  'CANDLE-CEDAR': { min: 15, max: 60, multiple: 1, preferredSupplierId: 'northwind-supply' },
  'CHARGER-65W': {
    min: 12,
    max: 60,
    multiple: 1,
    preferredSupplierId: 'volt-electronics',
    approvalThreshold: usd(50_000),
  },
  'EARBUDS-PRO': {
    min: 8,
    max: 40,
    multiple: 1,
    preferredSupplierId: 'volt-electronics',
    approvalThreshold: usd(100_000),
  },
};

export interface SeedOptions {
  /** The demo suppliers' systems: with it, suppliers, their items and reorder rules are seeded too. */
  suppliers?: SupplierSimulator;
}

export interface Seeded {
  /** Products created now (0: the catalog was not empty). */
  products: number;
  /** Suppliers created now (0: there were suppliers already, or no simulator). */
  suppliers: number;
}

/**
 * Seeds through the API at `base`, signed in as the demo admin: the catalog when it is empty,
 * the suppliers (with `options.suppliers`) when there are none, then the opening stock of the
 * products it created.
 */
export async function seedDemoData(base: string, options: SeedOptions = {}): Promise<Seeded> {
  const authorization = `Bearer ${await localTokenFor('admin')}`;
  const request = (method: string, path: string, body?: unknown, idempotencyKey?: string) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const expectOk = async (res: Response, what: string, alsoFine: number[] = []): Promise<Response> => {
    if (!res.ok && !alsoFine.includes(res.status))
      throw new Error(`seed: ${what} failed: ${res.status} ${await res.text()}`);
    return res;
  };
  const isEmpty = async (path: string, what: string) => {
    const res = await expectOk(await request('GET', path), `reading ${what}`);
    return ((await res.json()) as { items: unknown[] }).items.length === 0;
  };

  const products = (await isEmpty('/api/v1/products?limit=1', 'the catalog')) ? DEMO_PRODUCTS : [];
  for (const p of products) {
    await expectOk(
      await request(
        'POST',
        '/api/v1/products',
        {
          sku: p.sku,
          name: p.name,
          description: p.description,
          category: p.category,
          price: { amount: p.price, currency: 'USD' },
          cost: { amount: p.cost, currency: 'USD' },
          reorderPoint: p.reorderPoint,
          safetyStock: p.safetyStock,
          allowBackorder: false,
          attributes: {},
        },
        `seed-product-${p.sku}`,
      ),
      `creating ${p.sku}`,
      [409],
    );
  }

  let suppliers = 0;
  const simulator = options.suppliers;
  if (simulator) {
    if (await isEmpty('/api/v1/suppliers', 'the suppliers')) {
      suppliers = await seedSuppliers(simulator, request, expectOk);
    } else {
      await repointSuppliers(simulator, request, expectOk);
    }
  }

  for (const p of products) {
    if (p.onHand === 0) continue;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await request(
        'POST',
        `/api/v1/stock/${p.sku}/receipts`,
        { quantity: p.onHand, reference: 'opening balance' },
        `seed-receipt-${p.sku}`,
      );
      if (res.ok) break;
      if (res.status !== 404 || Date.now() > deadline) {
        throw new Error(`seed: receiving ${p.sku} failed: ${res.status} ${await res.text()}`);
      }
      await new Promise((r) => setTimeout(r, 200)); // the stock service has not learned the product yet
    }
  }
  return { products: products.length, suppliers };
}

type Request = (method: string, path: string, body?: unknown, idempotencyKey?: string) => Promise<Response>;
type ExpectOk = (res: Response, what: string, alsoFine?: number[]) => Promise<Response>;

/**
 * The demo suppliers, each registered with the simulator under its secret (returned once, by the
 * create), then their items and the reorder rules.
 */
async function seedSuppliers(simulator: SupplierSimulator, request: Request, expectOk: ExpectOk) {
  let created = 0;
  for (const demo of DEMO_SUPPLIERS) {
    const { id } = demo.supplier;
    const res = await expectOk(
      await request(
        'POST',
        '/api/v1/suppliers',
        { ...demo.supplier, webhookUrl: simulator.webhookUrlFor(id) },
        `seed-supplier-${id}`,
      ),
      `creating supplier ${id}`,
      [409],
    );
    if (res.status === 201) created += 1;
    let { secret } = (await res.json()) as { secret?: string };
    if (!secret && !simulator.has(id)) {
      // Created by an earlier, interrupted seed: its secret is never shown again, so hand the
      // simulator a fresh one.
      const rotated = await expectOk(
        await request('POST', `/api/v1/suppliers/${id}/rotate-secret`),
        `rotating the secret of ${id}`,
      );
      ({ secret } = (await rotated.json()) as { secret: string });
    }
    if (secret) simulator.register(id, { secret, ...demo.simulator });
    for (const [sku, item] of Object.entries(demo.items)) {
      await expectOk(
        await request('PUT', `/api/v1/suppliers/${id}/items/${sku}`, item),
        `the item ${sku} of ${id}`,
      );
    }
  }
  for (const [sku, rule] of Object.entries(DEMO_REORDER_RULES)) {
    await expectOk(await request('PUT', `/api/v1/reorder-rules/${sku}`, rule), `the reorder rule of ${sku}`);
  }
  return created;
}

/** On a later start, the demo suppliers follow the simulator if it moved (SUPPLIER_SIM_PORT). */
async function repointSuppliers(simulator: SupplierSimulator, request: Request, expectOk: ExpectOk) {
  for (const { supplier } of DEMO_SUPPLIERS) {
    if (!simulator.has(supplier.id)) continue;
    const res = await expectOk(
      await request('GET', `/api/v1/suppliers/${supplier.id}`),
      `reading ${supplier.id}`,
      [404],
    );
    if (res.status === 404) continue;
    const webhookUrl = simulator.webhookUrlFor(supplier.id);
    if (((await res.json()) as Body).webhookUrl === webhookUrl) continue;
    await expectOk(
      await request('PATCH', `/api/v1/suppliers/${supplier.id}`, { webhookUrl }),
      `pointing ${supplier.id} at the simulator`,
    );
  }
}
