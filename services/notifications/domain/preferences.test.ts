import { describe, expect, it } from 'vitest';
import { alertSchema } from '../contract.ts';
import { stockAlert } from './alert-content.ts';
import type { Recipient } from './model.ts';
import {
  builtInDefaults,
  channelsFor,
  effective,
  IN_APP_KEPT,
  nextDigestAt,
  quietUntil,
  SMS_NEEDS_OPT_IN,
  SMS_NEEDS_PHONE,
} from './preferences.ts';

const person = (roles: Recipient['roles'], phone?: string): Recipient => ({
  id: `${roles[0]}@azura.local`,
  email: `${roles[0]}@azura.local`,
  name: roles[0]!,
  roles,
  ...(phone ? { phone } : {}),
  status: 'active',
  version: 1,
});
const quantities = { onHand: 8, reserved: 0, incoming: 0, safetyStock: 0, available: 8 };
const facts = {
  sku: 'TSHIRT-BLUE-L',
  locationId: 'main',
  quantities,
  reorderPoint: 10,
  product: {
    sku: 'TSHIRT-BLUE-L',
    name: 'Classic T-shirt, blue, L',
    category: 'apparel',
    status: 'active' as const,
    reorderPoint: 10,
    version: 1,
  },
  incoming: [],
  occurredAt: '2026-12-03T10:00:00.000Z',
};
const low = stockAlert('StockLow', 1, facts);
const out = stockAlert('OutOfStock', 1, { ...facts, quantities: { ...quantities, onHand: 0, available: 0 } });
const defaults = builtInDefaults();

describe('alert content', () => {
  it('a low-stock alert is a valid contract alert with the figures a person acts on', () => {
    expect(alertSchema.parse(low)).toMatchObject({
      type: 'StockLow',
      dedupeKey: 'StockLow#TSHIRT-BLUE-L#main#1',
      severity: 'warning',
      link: '/products/TSHIRT-BLUE-L',
      status: 'open',
    });
    expect(low.title).toContain('Classic T-shirt, blue, L');
    expect(low.summary).toContain('8 available');
    expect(low.summary).toContain('reorder point 10');
    expect(out.severity).toBe('critical');
  });
});

describe('preferences on three levels', () => {
  it('by default managers get stock alerts by email and in-app; warehouse and viewers do not', () => {
    expect(channelsFor(low, person(['manager']), undefined, defaults).deliver).toEqual(['inApp', 'email']);
    expect(channelsFor(low, person(['warehouse']), undefined, defaults).deliver).toEqual([]);
    expect(channelsFor(low, person(['viewer']), undefined, defaults).deliver).toEqual([]);
  });

  it('the per-type level wins over the global one, which wins over the defaults', () => {
    const prefs = {
      global: { channels: ['inApp' as const] },
      types: { StockLow: { channels: ['email' as const] } },
    };
    const manager = person(['manager']);

    expect(channelsFor(low, manager, prefs, defaults).deliver).toEqual(['email']);
    expect(
      channelsFor({ ...low, type: 'BackInStock', severity: 'info' }, manager, prefs, defaults).deliver,
    ).toEqual(['inApp']);
  });

  it('SMS only when the user chose it themself and has a phone', () => {
    const optedIn = { global: {}, types: { StockLow: { channels: ['sms' as const, 'email' as const] } } };

    expect(channelsFor(low, person(['manager'], '+15555550100'), optedIn, defaults).deliver).toEqual([
      'email',
      'sms',
    ]);
    const noPhone = channelsFor(low, person(['manager']), optedIn, defaults);
    expect(noPhone.deliver).toEqual(['email']);
    expect(noPhone.notes).toContain(SMS_NEEDS_PHONE);
    const adminDefaults = {
      ...defaults,
      StockLow: { roles: ['manager' as const], channels: ['sms' as const, 'email' as const] },
    };
    const byDefault = channelsFor(low, person(['manager'], '+15555550100'), undefined, adminDefaults);
    expect(byDefault.deliver).toEqual(['email']);
    expect(byDefault.notes).toContain(SMS_NEEDS_OPT_IN);
  });

  it('a critical alert cannot be switched off entirely: in-app remains, and filters do not drop it', () => {
    const off = { global: { skus: ['OTHER-SKU'] }, types: { OutOfStock: { channels: [] } } };

    const critical = channelsFor(out, person(['manager']), off, defaults);
    expect(critical.deliver).toEqual(['inApp']);
    expect(critical.notes).toContain(IN_APP_KEPT);
    expect(channelsFor(low, person(['manager']), off, defaults).deliver).toEqual([]);
  });

  it('filters on SKU, category or location keep only the alerts they name', () => {
    const apparelOnly = { global: { categories: ['apparel'] }, types: {} };
    const northOnly = { global: { locations: ['north'] }, types: {} };

    expect(channelsFor(low, person(['manager']), apparelOnly, defaults).deliver).toEqual(['inApp', 'email']);
    expect(channelsFor(low, person(['manager']), northOnly, defaults).deliver).toEqual([]);
  });

  it('the effective view marks PurchaseOrderFailed critical and lists every type', () => {
    const view = effective(person(['manager']), undefined, defaults);

    expect(view.find((v) => v.type === 'PurchaseOrderFailed')).toMatchObject({
      critical: true,
      subscribed: true,
    });
    expect(view.find((v) => v.type === 'DeadLetterMessages')).toMatchObject({ subscribed: false });
    expect(view).toHaveLength(Object.keys(defaults).length);
  });
});

describe('quiet hours and digests in the user’s time zone', () => {
  const quiet = { start: '22:00', end: '07:00', timeZone: 'Europe/Paris' };

  it('holds until the end of a window that spans midnight, and not outside it', () => {
    // 23:30 in Paris (UTC+1 in December) → held until 07:00 Paris = 06:00 UTC next day.
    expect(quietUntil(quiet, '2026-12-03T22:30:00.000Z')).toBe('2026-12-04T06:00:00.000Z');
    // 02:00 in Paris → until 07:00 the same morning.
    expect(quietUntil(quiet, '2026-12-04T01:00:00.000Z')).toBe('2026-12-04T06:00:00.000Z');
    // Noon in Paris: not quiet.
    expect(quietUntil(quiet, '2026-12-04T11:00:00.000Z')).toBeUndefined();
  });

  it('the next digest is today at the hour if it is still to come, else tomorrow', () => {
    const digest = { hour: 8, timeZone: 'America/New_York' };

    // 06:00 in New York (UTC-5) → 08:00 today = 13:00 UTC.
    expect(nextDigestAt(digest, '2026-12-03T11:00:00.000Z')).toBe('2026-12-03T13:00:00.000Z');
    // 09:00 in New York → tomorrow 08:00.
    expect(nextDigestAt(digest, '2026-12-03T14:00:00.000Z')).toBe('2026-12-04T13:00:00.000Z');
  });
});
