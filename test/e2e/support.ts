import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Role } from '../../lib/permissions.ts';
import type { Runtime } from '../../local/runtime.ts';
import { fulfilled, placed, sendMessage } from '../../services/orders/testing.ts';
import { eventually } from '../support/env.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = join(ROOT, 'web/dist');
export const SCREENSHOTS = join(ROOT, 'test/e2e/screenshots');
export const DEMO_PASSWORD = process.env.DEMO_PASSWORD ?? 'azura-demo';

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 375, height: 812 } as const;

/** The dashboard must be built (`npm run build:web`) before the suite runs. */
export function assertWebBuilt(): void {
  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error(`${WEB_DIST}/index.html is missing: run \`npm run build:web\` (npm run test:e2e does)`);
}

/**
 * Debian's Chromium, headless. playwright-core never downloads a browser; `launch()` gives each
 * run a fresh temporary profile (user-data dir) and removes it on close.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page: every test expects none. */
  errors: string[];
}

/** A fresh browser context (its own localStorage, so its own session) at the given size. */
export async function openTab(browser: Browser, viewport: { width: number; height: number }): Promise<Tab> {
  const phone = viewport.width < 700;
  const context = await browser.newContext({
    viewport,
    isMobile: phone,
    hasTouch: phone,
    locale: 'en-US',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
  // Generous: this suite shares a small machine with other work.
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

export const emailOf = (role: Role) => `${role}@azura.local`;

/** Signs in through the sign-in form, as a person would, and lands on the dashboard. */
export async function signIn(page: Page, base: string, role: Role): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email').fill(emailOf(role));
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await settle(page);
}

/** Opens a dashboard route (client-side routes are served index.html) and waits for it to settle. */
export async function visit(page: Page, base: string, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await settle(page);
}

/** The page has its heading and nothing is loading any more. */
export async function settle(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.loading, .spinner').length === 0, undefined, {
    timeout: 30_000,
  });
}

/** Presses Tab until `target` has the focus (at most `max` times); fails otherwise. */
export async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  }
  const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120));
  throw new Error(`${String(target)} not reached after ${max} Tab presses (focus on ${focused})`);
}

/** Waits until the locator's text matches (Playwright's auto-waiting, with vitest's expect). */
export async function expectText(locator: Locator, expected: string | RegExp): Promise<void> {
  await expect
    .poll(async () => ((await locator.count()) ? ((await locator.first().textContent()) ?? '') : ''), {
      timeout: 20_000,
    })
    .toMatch(expected);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // Let charts and fonts finish their layout; animations are reduced.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/**
 * A few orders from the order platform, sent to the runtime's SQS queue as the platform does:
 * one fulfilled, one reserved and waiting, one rejected for want of stock. Returns their ids.
 */
export async function placeDemoOrders(runtime: Runtime, token: string): Promise<string[]> {
  const inbound = runtime.provisioned.queues.find((q) => q.name === 'orders-inbound');
  if (!inbound) throw new Error('the runtime has no orders-inbound queue');
  const statusOf = async (orderId: string) => {
    const res = await fetch(`${runtime.url}/api/v1/orders/${orderId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.ok ? ((await res.json()) as { status: string }).status : undefined;
  };
  const orders = [
    { id: 'WEB-1001', lines: [{ sku: 'MUG-AZURA-350', quantity: 4 }], final: 'FULFILLED' },
    {
      id: 'WEB-1002',
      lines: [
        { sku: 'EARBUDS-PRO', quantity: 1 },
        { sku: 'NOTEBOOK-A5', quantity: 3 },
      ],
      final: 'RESERVED',
    },
    { id: 'WEB-1003', lines: [{ sku: 'CANDLE-CEDAR', quantity: 2 }], final: 'REJECTED' },
  ];
  await Promise.all(orders.map((o) => sendMessage(inbound.url, placed(o.id, o.lines))));
  await Promise.all(
    orders.map(async (o) => {
      const first = o.final === 'REJECTED' ? 'REJECTED' : 'RESERVED';
      await eventually(async () => (await statusOf(o.id)) === first, 30_000);
      if (o.final === 'FULFILLED') {
        await sendMessage(inbound.url, fulfilled(o.id));
        await eventually(async () => (await statusOf(o.id)) === 'FULFILLED', 30_000);
      }
    }),
  );
  return orders.map((o) => o.id);
}

/**
 * Reloads the page until the locator's text matches (what a person does waiting for a supplier),
 * within `timeoutMs`; fails with the last text seen.
 */
export async function reloadUntil(
  page: Page,
  locator: Locator,
  expected: string | RegExp,
  timeoutMs = 30_000,
): Promise<void> {
  const matches = (text: string) =>
    typeof expected === 'string' ? text.includes(expected) : expected.test(text);
  let last = '';
  await eventually(async () => {
    await page.reload();
    await settle(page);
    last = (await locator.count()) ? ((await locator.first().textContent()) ?? '') : '';
    if (matches(last)) return true;
    await page.waitForTimeout(500); // between reloads, not a wait for the result
    return false;
  }, timeoutMs).catch((error: unknown) => {
    throw new Error(
      `${String(locator)} never showed ${String(expected)} (last: "${last}"): ${String(error)}`,
    );
  });
}

/** axe-core's serious and critical violations on the page as it is, one line each, named `name`. */
export async function axeFindings(page: Page, name: string): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const where = v.nodes
        .slice(0, 4)
        .map((n) => `${n.target.join(' ')} [${n.any.map((c) => c.message).join('; ')}]`)
        .join(', ');
      return `${name}: ${v.id} (${v.impact}) ${v.help} — ${where}`;
    });
}

/** Closes the tab's context and expects no uncaught error in its pages. */
export async function closeTab(t: Tab): Promise<void> {
  await t.context.close();
  expect(t.errors, 'uncaught errors in the page').toEqual([]);
}

/**
 * Signs in as `role` at desktop and at phone size, opens each page and saves its screenshot
 * (`<name>-desktop.png`, `<name>-phone.png`). Returns the pages that scroll sideways, one line each.
 */
export async function screenshotEachPage(
  browser: Browser,
  base: string,
  pages: readonly (readonly [name: string, path: string])[],
  role: Role = 'admin',
): Promise<string[]> {
  const sideways: string[] = [];
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    const t = await openTab(browser, viewport);
    await signIn(t.page, base, role);
    for (const [name, path] of pages) {
      await visit(t.page, base, path);
      await screenshot(t.page, `${name}-${size}`);
      const width = await t.page.evaluate(() => document.documentElement.scrollWidth);
      if (width > viewport.width) sideways.push(`${name} at ${size} size is ${width} px wide`);
    }
    await closeTab(t);
  }
  return sideways;
}
