import { localTokenFor } from './auth.ts';

/**
 * A small demo catalog with stock, created through the public API on first start (when the
 * catalog is empty), exactly as a person would: create the products, then receive stock once
 * the stock service has learned each product from the catalog's events.
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

/**
 * Seeds through the API at `base`, signed in as the demo admin; returns how many products it
 * created (0 when the catalog is not empty).
 */
export async function seedDemoData(base: string): Promise<number> {
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
  const existing = await request('GET', '/api/v1/products?limit=1');
  if (!existing.ok)
    throw new Error(`seed: catalog not reachable (${existing.status} ${await existing.text()})`);
  if (((await existing.json()) as { items: unknown[] }).items.length > 0) return 0;

  for (const p of DEMO_PRODUCTS) {
    const res = await request(
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
    );
    if (!res.ok && res.status !== 409)
      throw new Error(`seed: creating ${p.sku} failed: ${res.status} ${await res.text()}`);
  }
  for (const p of DEMO_PRODUCTS) {
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
  return DEMO_PRODUCTS.length;
}
