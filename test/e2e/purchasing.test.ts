import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime.ts';
import { seedDemoData } from '../../local/seed.ts';
import { type SupplierSimulator, startSupplierSimulator } from '../../local/supplier-simulator.ts';
import { startTestRuntime } from '../support/runtime.ts';
import {
  assertWebBuilt,
  axeFindings,
  closeTab,
  DESKTOP,
  emailOf,
  expectText,
  launchBrowser,
  openTab,
  reloadUntil,
  screenshotEachPage,
  settle,
  signIn,
  type Tab,
  visit,
  WEB_DIST,
} from './support.ts';

/**
 * Purchasing end to end: the built dashboard on the whole local runtime, the demo data seeded
 * with the supplier simulator standing in for the suppliers' systems. The seed's reorder rules
 * fire on their own: TSHIRT-BLUE-L (18 on hand, min 20) raises a purchase order at Acme Textiles,
 * which the simulator acknowledges; CHARGER-65W (9 on hand, min 12) raises one at Volt
 * Electronics above its approval threshold, which waits for a manager. Staff then drive Chromium:
 * a manager follows the first, a warehouse user receives it in two deliveries, a manager approves
 * the second. Every test opens its own browser context and expects no uncaught error in the page.
 */

let runtime: Runtime;
let simulator: SupplierSimulator;
let browser: Browser;
/** The purchase order TSHIRT-BLUE-L raised, once the first test has found it. */
let shirtPoId: string | undefined;

beforeAll(async () => {
  assertWebBuilt();
  [runtime, simulator, browser] = await Promise.all([
    startTestRuntime(undefined, { webDir: WEB_DIST }),
    startSupplierSimulator({ port: 0 }),
    launchBrowser(),
  ]);
  const seeded = await seedDemoData(runtime.url, { suppliers: simulator });
  expect(seeded.suppliers).toBe(3);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await simulator?.stop();
});

async function tab(viewport: { width: number; height: number } = DESKTOP): Promise<Tab> {
  return openTab(browser, viewport);
}

/** A row of the purchase orders table, by the supplier's name. */
const poRow = (t: Tab, supplier: string) =>
  t.page
    .getByRole('table', { name: /Purchase orders/ })
    .getByRole('row')
    .filter({ has: t.page.getByRole('link', { name: supplier }) });

/** The status badge in the purchase order page's header. */
const headerBadge = (t: Tab) => t.page.locator('.page-header .badge');

describe('Purchasing, end to end', () => {
  it('shows a manager the purchase order the low T-shirt raised, acknowledged by the supplier, with its lines and saga timeline', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'manager');

    // Act: Purchasing in the sidebar, then Purchase orders
    const sections = page.getByRole('navigation', { name: 'Sections' });
    await sections.getByRole('link', { name: 'Purchasing', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Purchase orders' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/purchasing/orders');

    // Assess: the rule's PO at Acme is there, and the simulator acknowledges it (seen on reload)
    const row = poRow(t, 'Acme Textiles');
    await reloadUntil(page, row, /Acknowledged/, 60_000);
    await expectText(row, /PO-\S+.*Acknowledged.*0 \/ 108/);
    shirtPoId = (await row.getByRole('link', { name: /^PO-/ }).textContent()) ?? undefined;
    expect(shirtPoId).toMatch(/^PO-/);

    // Act: open it
    await row.getByRole('link', { name: shirtPoId }).click();
    await page.getByRole('heading', { level: 1, name: `Purchase order ${shirtPoId}` }).waitFor();
    await settle(page);

    // Assess: its supplier, its line at Acme's price, the supplier's reference, and the saga so far
    await expectText(headerBadge(t), 'Acknowledged');
    await expectText(page.locator('main p.muted').first(), /Acme Textiles.*raised by a reorder rule/);
    await expectText(page.locator('main p.muted').first(), /supplier reference SIM-/);
    const lines = page.getByRole('table', { name: 'Purchase order lines' });
    await expectText(
      lines.getByRole('row').filter({ hasText: 'TSHIRT-BLUE-L' }),
      /TSHIRT-BLUE-L\s*ACME-TS-BL-L\s*108\s*0\s*108\s*\$6\.50\s*\$702\.00/,
    );
    await expectText(lines.locator('tfoot'), /Total\s*\$702\.00/);
    // The saga sent it, counted it as incoming, and now waits for the supplier's delivery.
    const timeline = page.getByRole('region', { name: 'Saga timeline' });
    await expectText(
      timeline,
      /Begin\s*Succeeded.*Send\s*Succeeded.*Expect incoming\s*Succeeded.*Await supplier/s,
    );
    expect(await timeline.locator('.timeline-step').filter({ hasText: 'Failed' }).count()).toBe(0);
    // A manager may receive too.
    expect(await page.getByRole('button', { name: 'Receive', exact: true }).count()).toBe(1);
    await closeTab(t);
  });

  it('lets a warehouse user receive the T-shirts in two deliveries until the purchase order is received', async () => {
    // Prepare
    expect(shirtPoId, 'the first test found the purchase order').toBeTruthy();
    const id = shirtPoId ?? '';
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'warehouse');
    await visit(page, runtime.url, `/purchasing/orders/${id}`);
    await expectText(headerBadge(t), 'Acknowledged');
    // Warehouse may receive, not approve, reject or cancel.
    expect(await page.getByRole('button', { name: /^(Approve|Reject|Cancel order)$/ }).count()).toBe(0);
    const lines = page.getByRole('table', { name: 'Purchase order lines' });
    const line = lines.getByRole('row').filter({ hasText: 'TSHIRT-BLUE-L' });

    // Act: the first delivery, 60 of the 108, the rest kept on order
    await page.getByRole('button', { name: 'Receive', exact: true }).click();
    let dialog = page.getByRole('dialog', { name: `Receive ${id}` });
    await dialog.getByLabel('Received now of TSHIRT-BLUE-L').fill('60');
    await dialog.getByLabel('If this delivery is short').selectOption('keep');
    await dialog.getByRole('button', { name: 'Book receipt' }).click();

    // Assess: a toast, partially received, 48 still open, and a receipt by whom
    await expectText(page.getByRole('status').filter({ hasText: id }), /received 60 × TSHIRT-BLUE-L/);
    await dialog.waitFor({ state: 'detached' });
    await expectText(headerBadge(t), 'Partially received');
    await expectText(line, /108\s*60\s*48/);
    const receipts = page.getByRole('region', { name: 'Receipts' }).getByRole('listitem');
    await expectText(receipts.first(), new RegExp(`${emailOf('warehouse')}.*TSHIRT-BLUE-L × 60`));

    // Act: the second delivery, the open rest (the dialog proposes it)
    await page.getByRole('button', { name: 'Receive', exact: true }).click();
    dialog = page.getByRole('dialog', { name: `Receive ${id}` });
    expect(await dialog.getByLabel('Received now of TSHIRT-BLUE-L').inputValue()).toBe('48');
    await dialog.getByRole('button', { name: 'Book receipt' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: received, nothing open, no more receiving, both receipts booked into stock
    await expectText(headerBadge(t), 'Received');
    await expectText(line, /108\s*108\s*0/);
    expect(await page.getByRole('button', { name: 'Receive', exact: true }).count()).toBe(0);
    await expect.poll(() => receipts.count()).toBe(2);
    await reloadUntil(page, page.getByRole('region', { name: 'Receipts' }), /In stock.*In stock/s, 30_000);

    // ...and the stock ledger holds it: 18 opening + 108 received
    await visit(page, runtime.url, '/products/TSHIRT-BLUE-L');
    await expectText(
      page
        .locator('.stat')
        .filter({ has: page.getByText('On hand', { exact: true }) })
        .locator('.stat-value'),
      '126',
    );
    await closeTab(t);
  });

  it('lets a manager approve the purchase order above its approval threshold, which then goes to the supplier', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'manager');
    await visit(page, runtime.url, '/purchasing/orders?status=AWAITING_APPROVAL');
    const row = poRow(t, 'Volt Electronics');
    await reloadUntil(page, row, /Awaiting approval/, 60_000);
    await row.getByRole('link', { name: /^PO-/ }).click();
    await page.getByRole('heading', { level: 1, name: /^Purchase order PO-/ }).waitFor();
    await settle(page);
    await expectText(page.locator('.callout-warning'), /reaches the approval threshold/);

    // Act
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /^Approve PO-/ });
    await dialog.getByLabel('Note (optional)').fill('budget ok for Q4');
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: approved by the manager, sent, and acknowledged by Volt's system
    await expectText(page.getByRole('status').filter({ hasText: 'approved' }), /goes to the supplier now/);
    await expectText(page.getByText(/^Approved by/), `Approved by ${emailOf('manager')}.`);
    await reloadUntil(page, headerBadge(t), 'Acknowledged', 60_000);
    expect(await page.getByRole('button', { name: /^(Approve|Reject)$/ }).count()).toBe(0);
    await expectText(page.getByRole('region', { name: 'Status history' }), /budget ok for Q4/);
    await closeTab(t);
  });

  it('lists the demo suppliers, and the reorder rules with what each would order now', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'manager');

    // Act + Assess: the suppliers
    await visit(page, runtime.url, '/purchasing/suppliers');
    const suppliers = page.getByRole('table', { name: 'Suppliers' });
    for (const name of ['Acme Textiles', 'Northwind Supply', 'Volt Electronics'])
      await suppliers.getByRole('link', { name }).waitFor();
    await expectText(
      suppliers.getByRole('row').filter({ hasText: 'Northwind Supply' }),
      /purchasing@northwind-supply\.example/,
    );

    // ...and the reorder rules, with the Suggested column
    await page
      .getByRole('navigation', { name: 'Purchasing' })
      .getByRole('link', { name: 'Reorder rules' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Reorder rules' }).waitFor();
    await settle(page);
    const rules = page.getByRole('table', { name: 'Reorder rules per product and location' });
    await rules.getByRole('columnheader', { name: 'Suggested' }).waitFor();
    await expect.poll(() => rules.locator('tbody tr').count()).toBe(6);
    // The whole table fits its box at 1280 px: the suggested figures are not scrolled out of view.
    expect(await rules.evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth)).toBe(
      true,
    );
    // HOODIE-GREY-M: 35 on hand over a min of 10, nothing on order: nothing to order now.
    await expectText(rules.getByRole('row').filter({ hasText: 'HOODIE-GREY-M' }), /nothing to order/);
    await expectText(
      rules.getByRole('row').filter({ hasText: 'TSHIRT-BLUE-L' }),
      /Acme Textiles, then Northwind Supply/,
    );
    await closeTab(t);
  });

  it('finds no serious or critical accessibility violation on the purchasing pages (axe-core)', async () => {
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'admin');
    const findings: string[] = [];
    for (const [name, path] of await purchasingPages()) {
      await visit(page, runtime.url, path);
      findings.push(...(await axeFindings(page, name)));
    }
    expect(findings).toEqual([]);
    await closeTab(t);
  });

  it('saves a screenshot of each purchasing page at desktop and phone size, none scrolling sideways', async () => {
    const sideways = await screenshotEachPage(browser, runtime.url, await purchasingPages());
    expect(sideways, 'pages wider than the window').toEqual([]);
  });
});

/** The purchasing pages, with a purchase order and a supplier to open. */
async function purchasingPages(): Promise<[string, string][]> {
  return [
    ['purchase-orders', '/purchasing/orders'],
    ...(shirtPoId ? [['purchase-order-detail', `/purchasing/orders/${shirtPoId}`] as [string, string]] : []),
    ['suppliers', '/purchasing/suppliers'],
    ['supplier-detail', '/purchasing/suppliers/acme-textiles'],
    ['reorder-rules', '/purchasing/reorder-rules'],
  ];
}
