import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenFor } from '../../local/auth.ts';
import type { Runtime } from '../../local/runtime.ts';
import { seedDemoData } from '../../local/seed.ts';
import { startTestRuntime } from '../support/runtime.ts';
import {
  assertWebBuilt,
  DESKTOP,
  emailOf,
  expectText,
  launchBrowser,
  openTab,
  PHONE,
  placeDemoOrders,
  screenshot,
  settle,
  signIn,
  type Tab,
  tabTo,
  visit,
  WEB_DIST,
} from './support.ts';

/**
 * The dashboard end to end: the built app (web/dist) served by the whole local runtime, seeded
 * with the demo catalog and a few orders from the order platform, driven by Chromium as staff
 * would use it. Every test opens its own browser context (its own session) and expects no
 * uncaught error in the page.
 */

let runtime: Runtime;
let browser: Browser;
let orderIds: string[] = [];

beforeAll(async () => {
  assertWebBuilt();
  [runtime, browser] = await Promise.all([
    startTestRuntime(undefined, { webDir: WEB_DIST }),
    launchBrowser(),
  ]);
  await seedDemoData(runtime.url);
  orderIds = await placeDemoOrders(runtime, await localTokenFor('viewer'));
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

async function tab(viewport: { width: number; height: number } = DESKTOP): Promise<Tab> {
  return openTab(browser, viewport);
}

async function done(t: Tab): Promise<void> {
  await t.context.close();
  expect(t.errors, 'uncaught errors in the page').toEqual([]);
}

/** The figure of a Stat ("On hand", "Available"...) on the product page. */
const stat = (page: Page, label: string) =>
  page
    .locator('.stat')
    .filter({ has: page.getByText(label, { exact: true }) })
    .locator('.stat-value');

describe('The dashboard, end to end', () => {
  it('lets a warehouse user adjust stock with a reason and shows the ledger line with who and why', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'warehouse');
    await visit(page, runtime.url, '/inventory');
    await page.getByRole('link', { name: 'Classic T-shirt, blue, M' }).click();
    await page.getByRole('heading', { level: 1, name: 'Classic T-shirt, blue, M' }).waitFor();
    await settle(page);
    await expectText(stat(page, 'On hand'), '120');

    // Act
    await page.getByRole('button', { name: 'Adjust', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Remove', { exact: true }).check();
    await dialog.getByLabel('Quantity', { exact: true }).fill('3');
    await dialog.getByLabel('Reason').selectOption('damaged');
    await dialog.getByLabel('Note (optional)').fill('dropped from the top shelf');
    await dialog.getByRole('button', { name: 'Adjust', exact: true }).click();

    // Assess: a toast, the figure, and the ledger line naming who and why
    await expectText(page.getByRole('status').filter({ hasText: 'TSHIRT-BLUE-M' }), /removed 3 at main/);
    await dialog.waitFor({ state: 'detached' });
    const ledger = page.getByRole('table', { name: /Stock movements of TSHIRT-BLUE-M/ });
    const line = ledger.getByRole('row').filter({ hasText: emailOf('warehouse') });
    await expectText(line, /Damaged · dropped from the top shelf/);
    await expectText(line.getByRole('cell').nth(3), '-3');
    await expectText(line.getByRole('cell').nth(4), '117');
    await expectText(stat(page, 'On hand'), '117');

    // ...and it is what the server holds, not only what the screen guessed
    await page.reload();
    await settle(page);
    await expectText(stat(page, 'On hand'), '117');
    await expectText(
      page
        .getByRole('table', { name: /Stock movements/ })
        .getByRole('row')
        .nth(1),
      new RegExp(`Damaged · dropped from the top shelf.*${emailOf('warehouse')}`),
    );
    await done(t);
  });

  it('shows a viewer no edit, adjust or delete buttons, and the API refuses the viewer a write', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'viewer');

    // Act + Assess: the inventory is read-only
    await visit(page, runtime.url, '/inventory');
    await page.getByRole('link', { name: 'Classic T-shirt, blue, L' }).waitFor();
    expect(await page.getByRole('row').count()).toBeGreaterThan(8);
    expect(await page.getByRole('link', { name: /^(Add product|Edit)/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Adjust|Delete)/ }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);

    // ...and so is the product page
    await page.getByRole('link', { name: 'Classic T-shirt, blue, L' }).click();
    await page.getByRole('heading', { level: 1, name: 'Classic T-shirt, blue, L' }).waitFor();
    await settle(page);
    await expectText(stat(page, 'On hand'), '18');
    const actions = /^(Adjust|Count|Receive|Transfer|Edit|Delete|Upload image)$/;
    expect(await page.getByRole('button', { name: actions }).count()).toBe(0);
    expect(await page.getByRole('link', { name: actions }).count()).toBe(0);
    expect(await page.getByText('Upload image').count()).toBe(0);

    // The server enforces it too: a write with the token the app stored is refused
    const token = await page.evaluate(() => localStorage.getItem('azura.token'));
    expect(token).toBeTruthy();
    const headers = { authorization: `Bearer ${token}`, 'idempotency-key': `e2e-viewer-${Date.now()}` };
    const adjust = await page.request.post(`${runtime.url}/api/v1/stock/TSHIRT-BLUE-L/adjustments`, {
      headers,
      data: { delta: -1, reason: 'damaged' },
    });
    expect(adjust.status()).toBe(403);
    expect(adjust.headers()['content-type']).toContain('application/problem+json');
    expect(await adjust.json()).toMatchObject({ status: 403 });
    const remove = await page.request.delete(`${runtime.url}/api/v1/products/TSHIRT-BLUE-L`, { headers });
    expect(remove.status()).toBe(403);
    expect(remove.headers()['content-type']).toContain('application/problem+json');
    // ...and nothing changed
    const level = await page.request.get(`${runtime.url}/api/v1/stock/TSHIRT-BLUE-L`, { headers });
    expect(((await level.json()) as { totals: { onHand: number } }).totals.onHand).toBe(18);
    await done(t);
  });

  it('shows a manager a validation error next to its input, then creates the product once fixed', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    await signIn(page, runtime.url, 'manager');
    await visit(page, runtime.url, '/inventory');
    await page.getByRole('link', { name: 'Add product' }).click();
    await page.getByRole('heading', { level: 1, name: 'New product' }).waitFor();
    const form = page.getByRole('form', { name: 'New product' });
    const input = (label: string) => form.getByLabel(label, { exact: true });
    const errorOf = (label: string) =>
      form
        .locator('.field')
        .filter({ has: page.getByLabel(label, { exact: true }) })
        .locator('.field-error');

    // Act: a negative price (the form's own check)
    await input('SKU').fill('desk lamp!');
    await input('Name').fill('Desk lamp, brass');
    await input('Category').fill('home');
    await input('Price').fill('-5');
    await input('Cost').fill('12.50');
    await form.getByRole('button', { name: 'Create product' }).click();

    // Assess
    await expectText(errorOf('Price'), 'Enter a price of 0 or more');
    expect(await input('Price').getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf('SKU').count()).toBe(0);

    // Act: fix the price; the SKU the server refuses (problem+json errors[] → next to SKU)
    await input('Price').fill('34.90');
    await form.getByRole('button', { name: 'Create product' }).click();

    // Assess
    await expectText(errorOf('SKU'), /upper-case letters, digits/);
    expect(await input('SKU').getAttribute('aria-invalid')).toBe('true');
    expect(await errorOf('Price').count()).toBe(0);
    await expectText(form.getByRole('alert'), /Please correct 1 field/);

    // Act: fix the SKU
    await input('SKU').fill('DESK-LAMP-BRASS');
    await form.getByRole('button', { name: 'Create product' }).click();

    // Assess: created, on its page, and in the inventory
    await page.getByRole('heading', { level: 1, name: 'Desk lamp, brass' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/products/DESK-LAMP-BRASS');
    await visit(page, runtime.url, '/inventory?q=lamp');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Desk lamp, brass' }) });
    await expectText(row, /DESK-LAMP-BRASS.*home.*\$34\.90/);
    await done(t);
  });

  it('on a phone shows the inventory as cards, collapses the sidebar, and navigates by keyboard', async () => {
    // Prepare
    const t = await tab(PHONE);
    const { page } = t;
    await signIn(page, runtime.url, 'warehouse');

    // Assess: no sidebar and no header links, a menu button instead
    const menu = page.getByRole('button', { name: 'Open menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('navigation', { name: 'Sections' }).count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, 'no sideways scrolling').toBeLessThanOrEqual(375);

    // Act: keyboard only — Tab to the menu, open it, Tab to Inventory, follow it
    await page.locator('body').focus();
    await tabTo(page, menu);
    await page.keyboard.press('Enter');
    const sections = page.getByRole('navigation', { name: 'Sections' });
    await sections.waitFor();
    const inventoryLink = sections.getByRole('link', { name: 'Inventory' });
    await tabTo(page, inventoryLink);
    await page.keyboard.press('Enter');

    // Assess: the inventory, as cards, and the drawer closed again
    await page.getByRole('heading', { level: 1, name: 'Inventory' }).waitFor();
    await settle(page);
    expect(new URL(page.url()).pathname).toBe('/inventory');
    await sections.waitFor({ state: 'detached' });
    const cards = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(8);
    expect(await page.locator('table').count()).toBe(0);
    const card = cards.filter({ hasText: 'TSHIRT-BLUE-L' });
    await expectText(card, /On hand\s*18/);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth),
      'no sideways scrolling',
    ).toBeLessThanOrEqual(375);

    // Act: on to a product, still by keyboard
    const productLink = card.getByRole('link', { name: 'Classic T-shirt, blue, L' });
    await tabTo(page, productLink, 80);
    await page.keyboard.press('Enter');

    // Assess
    await page.getByRole('heading', { level: 1, name: 'Classic T-shirt, blue, L' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/products/TSHIRT-BLUE-L');
    await done(t);
  });

  it('finds no serious or critical accessibility violation on any page (axe-core)', async () => {
    // Prepare
    const t = await tab();
    const { page } = t;
    const findings: string[] = [];
    const scan = async (name: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      for (const v of results.violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') continue;
        const where = v.nodes
          .slice(0, 4)
          .map((n) => `${n.target.join(' ')} [${n.any.map((c) => c.message).join('; ')}]`)
          .join(', ');
        findings.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${where}`);
      }
    };

    // Act
    await visit(page, runtime.url, '/sign-in');
    await scan('sign-in');
    await signIn(page, runtime.url, 'admin');
    for (const [name, path] of pagesToVisit()) {
      await visit(page, runtime.url, path);
      await scan(name);
    }
    // The phone layout has its own markup (cards, drawer): scan the inventory there too.
    await page.setViewportSize(PHONE);
    await visit(page, runtime.url, '/inventory');
    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await scan('inventory with the menu open (phone)');

    // Assess
    expect(findings).toEqual([]);
    await done(t);
  });

  it('saves a screenshot of each page at desktop and phone size', async () => {
    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      const t = await tab(viewport);
      const { page } = t;
      await visit(page, runtime.url, '/sign-in');
      await screenshot(page, `sign-in-${size}`);
      await signIn(page, runtime.url, 'admin');
      for (const [name, path] of pagesToVisit()) {
        await visit(page, runtime.url, path);
        await screenshot(page, `${name}-${size}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${name} at ${size} size scrolls sideways`).toBeLessThanOrEqual(viewport.width);
      }
      await done(t);
    }
  });
});

/** Every page behind sign-in, with a route to open it (order detail only when there is an order). */
function pagesToVisit(): [string, string][] {
  return [
    ['dashboard', '/'],
    ['inventory', '/inventory'],
    ['product-detail', '/products/TSHIRT-BLUE-M'],
    ['product-edit', '/products/TSHIRT-BLUE-M/edit'],
    ['orders', '/orders'],
    ...(orderIds.length ? [['order-detail', `/orders/${orderIds[0]}`] as [string, string]] : []),
    ['reports', '/reports'],
    ['settings', '/settings'],
    ['alerts', '/alerts'],
    ['delivery-log', '/notifications/deliveries'],
    ['help', '/help'],
  ];
}
