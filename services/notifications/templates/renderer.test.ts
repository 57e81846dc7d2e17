import { describe, expect, it } from 'vitest';
import type { Alert } from '../contract.ts';
import {
  deadLetterAlert,
  type ProductInfo,
  purchaseOrderAlert,
  type StockFacts,
  stockAlert,
} from '../domain/alert-content.ts';
import type { Recipient } from '../domain/model.ts';
import { ReactEmailRenderer, SMS_LIMIT, smsLength } from './renderer.ts';

const DASHBOARD = 'https://inventory.azura.example';
const renderer = new ReactEmailRenderer();

const maria: Recipient = {
  id: 'maria@azura.local',
  email: 'maria@azura.local',
  name: 'Maria',
  roles: ['manager'],
  status: 'active',
  version: 1,
};
const product: ProductInfo = {
  sku: 'TSHIRT-BLUE-L',
  name: 'Classic T-shirt, blue, L',
  category: 'apparel',
  status: 'active',
  reorderPoint: 10,
  version: 1,
};
const facts: StockFacts = {
  sku: 'TSHIRT-BLUE-L',
  locationId: 'main',
  quantities: { onHand: 8, reserved: 2, incoming: 40, safetyStock: 1, available: 5 },
  reorderPoint: 10,
  product,
  incoming: [
    {
      purchaseOrderId: 'PO-1042',
      sku: 'TSHIRT-BLUE-L',
      locationId: 'main',
      remaining: 40,
      ordered: 50,
      expectedBy: '2026-12-05T00:00:00.000Z',
    },
  ],
  occurredAt: '2026-12-03T10:00:00.000Z',
};
const low = stockAlert('StockLow', 1, facts);
const out = stockAlert('OutOfStock', 1, {
  ...facts,
  quantities: { onHand: 0, reserved: 0, incoming: 0, safetyStock: 0, available: 0 },
  incoming: [],
});
const failed = purchaseOrderAlert(
  'PurchaseOrderFailed',
  {
    purchaseOrderId: 'PO-2001',
    supplierId: 'acme-textiles',
    locationId: 'main',
    lines: [{ sku: 'TSHIRT-BLUE-L', quantity: 30 }],
    product,
    occurredAt: '2026-12-03T11:00:00.000Z',
  },
  'No supplier could take it: restock by hand.',
);
const dlq = deadLetterAlert('stock-events-dlq', 1, 3, '2026-12-03T12:00:00.000Z');

/** The text of the table cell that follows the label `label` (figures render as th/td pairs). */
const cellAfter = (html: string | undefined, label: string): string | undefined =>
  new RegExp(`>${label}</th><td[^>]*>([^<]*)</td>`).exec(html ?? '')?.[1];

describe('ReactEmailRenderer: one alert by email', () => {
  it('puts the title in the subject, and marks a critical alert CRITICAL', async () => {
    // Prepare / Act
    const warning = await renderer.alertEmail(low, maria, DASHBOARD);
    const critical = await renderer.alertEmail(out, maria, DASHBOARD);
    const poFailed = await renderer.alertEmail(failed, maria, DASHBOARD);

    // Assess
    expect(warning.subject).toBe('[Azura] Low stock: Classic T-shirt, blue, L at main');
    expect(critical.subject).toBe('[Azura] CRITICAL: Out of stock: Classic T-shirt, blue, L at main');
    expect(poFailed.subject).toBe(`[Azura] CRITICAL: ${failed.title}`);
  });

  it('greets the person, says what happened and shows every figure the alert has', async () => {
    const { html } = await renderer.alertEmail(low, maria, DASHBOARD);

    expect(html).toMatch(/Hi (<!-- -->)?Maria(<!-- -->)?,/);
    expect(html).toContain(low.summary);
    expect(cellAfter(html, 'SKU')).toBe('TSHIRT-BLUE-L');
    expect(cellAfter(html, 'Product')).toBe('Classic T-shirt, blue, L');
    expect(cellAfter(html, 'Location')).toBe('main');
    expect(cellAfter(html, 'On hand')).toBe('8');
    expect(cellAfter(html, 'Reserved')).toBe('2');
    expect(cellAfter(html, 'Available')).toBe('5');
    expect(cellAfter(html, 'Reorder point')).toBe('10');
    expect(cellAfter(html, 'Safety stock')).toBe('1');
    expect(cellAfter(html, 'Incoming')).toBe('40, expected 5 Dec, on PO-1042');
    expect(cellAfter(html, 'Suggested order quantity')).toBe('50');
  });

  it('leaves out the figures the alert does not have', async () => {
    const { html } = await renderer.alertEmail(out, maria, DASHBOARD);

    expect(cellAfter(html, 'Available')).toBe('0');
    for (const absent of ['Incoming', 'Safety stock', 'Suggested order quantity', 'Days of cover'])
      expect(cellAfter(html, absent), absent).toBeUndefined();
  });

  it('shows the days of cover when reporting knows them', async () => {
    const { html, text } = await renderer.alertEmail({ ...low, daysOfCover: 2.5 }, maria, DASHBOARD);

    expect(cellAfter(html, 'Days of cover')).toBe('2.5');
    expect(text).toMatch(/Days of cover\s+2\.5/);
  });

  it('lists the details of alerts that are not about stock levels', async () => {
    const po = await renderer.alertEmail(failed, maria, DASHBOARD);
    const ops = await renderer.alertEmail(dlq, maria, DASHBOARD);

    expect(cellAfter(po.html, 'Purchase order')).toBe('PO-2001');
    expect(cellAfter(po.html, 'Supplier')).toBe('acme-textiles');
    expect(cellAfter(po.html, 'Quantity')).toBe('30');
    expect(cellAfter(ops.html, 'Queue')).toBe('stock-events-dlq');
    expect(cellAfter(ops.html, 'Depth')).toBe('3');
    expect(cellAfter(ops.html, 'Redrive')).toBe('npx azura dlq redrive stock-events-dlq');
  });

  it('links the button to the absolute page of the alert and the footer to the settings', async () => {
    const { html } = await renderer.alertEmail(low, maria, DASHBOARD);

    expect(html).toContain(`href="${DASHBOARD}/products/TSHIRT-BLUE-L"`);
    expect(html).toContain('Open in Azura');
    expect(html).toContain('You get this because');
    expect(html).toContain('Settings → Notifications');
    expect(html).toContain(`href="${DASHBOARD}/settings"`);
  });

  it('joins a dashboard URL with a trailing slash without doubling it', async () => {
    const { html } = await renderer.alertEmail(low, maria, `${DASHBOARD}/`);

    expect(html).toContain(`href="${DASHBOARD}/products/TSHIRT-BLUE-L"`);
    expect(html).not.toContain('example//');
  });

  it('has a plain-text version with the figures and the links', async () => {
    const { text } = await renderer.alertEmail(low, maria, DASHBOARD);

    expect(text).toContain('Hi Maria,');
    expect(text).toContain(low.title);
    expect(text).toMatch(/On hand\s+8/);
    expect(text).toMatch(/Available\s+5/);
    expect(text).toMatch(/Reorder point\s+10/);
    expect(text).toMatch(/Incoming\s+40, expected 5 Dec, on PO-1042/);
    expect(text).toContain(`${DASHBOARD}/products/TSHIRT-BLUE-L`);
    expect(text).toContain(`${DASHBOARD}/settings`);
    expect(text).not.toContain('<');
  });

  it('escapes markup in what users typed (a product name)', async () => {
    // A product name is free text from the catalog: it must reach the email as text, never as markup.
    const hostile = stockAlert('StockLow', 2, {
      ...facts,
      product: { ...product, name: '<script>alert("x")</script> & <b>co</b>' },
    });

    const { html, text, subject } = await renderer.alertEmail(hostile, maria, DASHBOARD);

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>co</b>');
    expect(html).toContain('&lt;script&gt;');
    expect(text).toContain('<script>alert("x")</script> & <b>co</b>');
    expect(subject).toContain('<script>');
  });

  it('throws when the dashboard URL is not an absolute URL (the delivery records the render failure)', async () => {
    await expect(renderer.alertEmail(low, maria, '/relative')).rejects.toThrow(/not an absolute URL/);
    await expect(renderer.alertEmail(low, maria, 'ftp://x.example')).rejects.toThrow(/http\(s\)/);
  });
});

describe('ReactEmailRenderer: the daily digest', () => {
  it('counts the alerts in the subject and lists every one with its summary and link', async () => {
    const alerts: Alert[] = [low, failed, dlq];

    const { subject, html, text } = await renderer.digestEmail(alerts, maria, DASHBOARD);

    expect(subject).toBe('[Azura] Daily digest: 3 alerts');
    for (const alert of alerts) {
      expect(html).toContain(alert.title);
      expect(html).toContain(`href="${DASHBOARD}${alert.link}"`);
      expect(text).toContain(alert.title);
      expect(text).toContain(alert.summary);
      expect(text).toContain(`${DASHBOARD}${alert.link}`);
    }
    expect(html).toContain(`href="${DASHBOARD}/settings"`);
  });

  it('says "1 alert" for one', async () => {
    const { subject } = await renderer.digestEmail([low], maria, DASHBOARD);

    expect(subject).toBe('[Azura] Daily digest: 1 alert');
  });

  it('refuses a digest of no alerts', async () => {
    await expect(renderer.digestEmail([], maria, DASHBOARD)).rejects.toThrow(/at least one alert/);
  });
});

describe('ReactEmailRenderer: SMS', () => {
  it('fits one segment with the title, the figures and the whole link', () => {
    const { text, subject, html } = renderer.sms(low, DASHBOARD);

    expect(smsLength(text)).toBeLessThanOrEqual(SMS_LIMIT);
    expect(text.startsWith('Azura: Low stock')).toBe(true);
    expect(text).toContain('5 available');
    expect(text.endsWith(` ${DASHBOARD}/products/TSHIRT-BLUE-L`)).toBe(true);
    expect(subject).toBeUndefined();
    expect(html).toBeUndefined();
  });

  it('says CRITICAL for a critical alert', () => {
    expect(renderer.sms(out, DASHBOARD).text).toMatch(/^Azura CRITICAL: Out of stock/);
  });

  it('shortens a long title with "..." and keeps the link whole', () => {
    const long = stockAlert('StockLow', 3, {
      ...facts,
      sku: 'LINEN-SHIRT-WHITE-XXL',
      product: {
        ...product,
        sku: 'LINEN-SHIRT-WHITE-XXL',
        name: 'Premium organic linen shirt with mother-of-pearl buttons, white, XXL, limited edition',
      },
    });

    const { text } = renderer.sms(long, DASHBOARD);

    expect(smsLength(text)).toBeLessThanOrEqual(SMS_LIMIT);
    expect(text).toContain('...');
    expect(text).toContain('Azura: Low stock: Premium organic linen');
    expect(text.endsWith(` ${DASHBOARD}/products/LINEN-SHIRT-WHITE-XXL`)).toBe(true);
  });

  it('stays in the GSM-7 alphabet so it is one segment, not three (× becomes x)', () => {
    const { text } = renderer.sms(failed, DASHBOARD);

    expect(text).toContain('30 x Classic T-shirt');
    expect(text).not.toMatch(/[×…“”‘’]/);
    expect(smsLength(text)).toBeLessThanOrEqual(SMS_LIMIT);
  });

  it('gives up on figures before the title when the link is long', () => {
    const { text } = renderer.sms(low, `${DASHBOARD}/a-very-long-path-prefix/for/a/dashboard/behind/a/proxy`);

    expect(smsLength(text)).toBeLessThanOrEqual(SMS_LIMIT);
    expect(text).toContain('Low stock');
    expect(text).not.toContain('incoming');
    expect(text).toContain('/a-very-long-path-prefix/for/a/dashboard/behind/a/proxy/products/TSHIRT-BLUE-L');
  });

  it('throws when the link alone leaves no room', () => {
    expect(() => renderer.sms(low, `${DASHBOARD}/${'x'.repeat(150)}`)).toThrow(/leaves no room/);
  });
});
