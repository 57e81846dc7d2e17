import type { Browser } from 'playwright-core';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenFor } from '../../local/auth.ts';
import type { Runtime } from '../../local/runtime.ts';
import { eventually } from '../support/env.ts';
import { startTestRuntime } from '../support/runtime.ts';
import {
  assertWebBuilt,
  DESKTOP,
  expectText,
  launchBrowser,
  openTab,
  screenshot,
  settle,
  signIn,
  visit,
  WEB_DIST,
} from './support.ts';

/**
 * What issue 9 promises a manager: drain a product below its reorder point in the dashboard, and
 * the alert arrives in the bell without a reload, and the email in the local mail viewer.
 */
let runtime: Runtime;
let browser: Browser;

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await localTokenFor('admin')}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
  return res.json();
};

beforeAll(async () => {
  assertWebBuilt();
  [runtime, browser] = await Promise.all([
    startTestRuntime(undefined, { webDir: WEB_DIST }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('Notifications in the dashboard', () => {
  it('a manager drains a product below its reorder point: the bell counts it, the panel shows it, the mail viewer has the email', async () => {
    // Prepare: a product with 12 on hand, reorder point 10, known to the notifications service.
    const sku = `LAMP-${ulid().slice(-6)}`;
    const name = `Desk lamp ${sku.slice(-6)}`;
    await api('POST', '/api/v1/products', {
      sku,
      name,
      category: 'lighting',
      price: { amount: 2500, currency: 'GBP' },
      cost: { amount: 1100, currency: 'GBP' },
      reorderPoint: 10,
    });
    await eventually(
      async () =>
        (
          await fetch(`${runtime.url}/api/v1/stock/${sku}`, {
            headers: { authorization: `Bearer ${await localTokenFor('admin')}` },
          })
        ).ok,
    );
    await api('POST', `/api/v1/stock/${sku}/receipts`, { quantity: 12 });
    await eventually(
      async () =>
        (
          await fetch(`${runtime.url}/api/v1/notification-preferences/users/manager%40azura.local`, {
            headers: { authorization: `Bearer ${await localTokenFor('admin')}` },
          })
        ).ok,
      30_000,
    );

    const t = await openTab(browser, DESKTOP);
    const { page } = t;
    await signIn(page, runtime.url, 'manager');
    await visit(page, runtime.url, `/products/${sku}`);
    const bell = page.getByRole('button', { name: /^Alerts,/ });
    await bell.waitFor();
    const before = (await bell.getAttribute('aria-label')) ?? '';

    // Act: remove 5 of the 12 (7 left, below the reorder point of 10).
    await page.getByRole('button', { name: 'Adjust', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Remove', { exact: true }).check();
    await dialog.getByLabel('Quantity', { exact: true }).fill('5');
    await dialog.getByLabel('Reason').selectOption('damaged');
    await dialog.getByRole('button', { name: 'Adjust', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: the bell's count rises without a reload…
    await expect
      .poll(async () => (await bell.getAttribute('aria-label')) ?? '', { timeout: 30_000 })
      .not.toBe(before);
    await expectText(bell, /\d/);
    const unreadLabel = (await bell.getAttribute('aria-label'))!;
    expect(unreadLabel).toMatch(/^Alerts, \d+ unread$/);

    // …the panel shows the alert with its figures…
    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Alerts' });
    const item = panel.getByRole('link', { name: new RegExp(`Low stock: ${name}`) });
    await item.waitFor();
    await expectText(panel, /7 available/);
    await screenshot(page, 'alerts-bell-panel');

    // …opening it marks it read (the count goes down) and lands on the product.
    const unread = Number(unreadLabel.match(/(\d+) unread/)![1]);
    await item.click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await expect
      .poll(async () => (await bell.getAttribute('aria-label')) ?? '', { timeout: 20_000 })
      .toBe(unread - 1 === 0 ? 'Alerts, none unread' : `Alerts, ${unread - 1} unread`);

    // The email, in the local SES mail viewer.
    await page.goto(`${process.env.AWS_ENDPOINT_URL_SESV2}/`);
    await expectText(page.locator('body'), new RegExp(`Low stock: ${name}`));
    await screenshot(page, 'mail-viewer-low-stock');

    // The delivery log shows the email sent to the manager.
    await visit(page, runtime.url, `/notifications/deliveries?sku=${sku}`);
    await settle(page);
    const rows = page.getByRole('row').filter({ hasText: 'manager@azura.local' });
    await expectText(rows.filter({ hasText: /email/i }), /sent/i);
    await screenshot(page, 'delivery-log');

    await t.context.close();
    expect(t.errors, 'uncaught errors in the page').toEqual([]);
  });
});
