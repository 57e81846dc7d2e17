import type { z } from 'zod';
import {
  ALERT_TYPE_INFO,
  ALERT_TYPES,
  type Alert,
  type AlertType,
  type Channel,
  type DefaultPreference,
  type digestSchema,
  type effectivePreferenceSchema,
  type NotificationDefaults,
  type Preference,
  type quietHoursSchema,
  type UserPreferences,
} from '../contract.ts';
import type { Recipient } from './model.ts';

/**
 * Who receives an alert type over which channel: three levels, as Novu has them.
 * 1. defaults per type (`roles`, `channels`): built in from `ALERT_TYPE_INFO`, admins override;
 * 2. the user, per type; 3. the user, every type.
 * Field by field, the most specific level that sets a field wins: types[t] > global > defaults.
 * Pure: no clock (time comes in), no I/O.
 */

export type QuietHours = z.infer<typeof quietHoursSchema>;
export type Digest = z.infer<typeof digestSchema>;
export type EffectivePreference = z.infer<typeof effectivePreferenceSchema>;
export type ResolvedDefaults = Record<AlertType, DefaultPreference>;

const DEFAULT_CHANNELS: Channel[] = ['email', 'inApp'];
const CHANNEL_ORDER: Channel[] = ['inApp', 'email', 'sms'];

export const SMS_NEEDS_PHONE = 'sms: add a phone number to your profile';
export const SMS_NEEDS_OPT_IN = 'sms: only sent when you choose it in your own preferences';
export const IN_APP_KEPT = 'inApp: always kept for critical alerts';

/** Level 1 as built in: `ALERT_TYPE_INFO`'s roles, by email and in-app. */
export function builtInDefaults(): ResolvedDefaults {
  const types = {} as ResolvedDefaults;
  for (const type of ALERT_TYPES) {
    types[type] = { roles: [...ALERT_TYPE_INFO[type].defaultRoles], channels: [...DEFAULT_CHANNELS] };
  }
  return types;
}

/** The built-in defaults with the admins' overrides (as stored) on top, type by type. */
export function resolveDefaults(stored?: Partial<NotificationDefaults['types']>): ResolvedDefaults {
  const types = builtInDefaults();
  for (const type of ALERT_TYPES) {
    const override = stored?.[type];
    if (override) types[type] = { roles: [...override.roles], channels: [...override.channels] };
  }
  return types;
}

/** What one alert type resolves to for one user, before looking at a particular alert. */
export interface Resolution {
  /** By role default or own choice, and at least one channel left. */
  subscribed: boolean;
  critical: boolean;
  channels: Channel[];
  categories?: string[];
  skus?: string[];
  locations?: string[];
  quietHours?: QuietHours;
  digest?: Digest;
  notes: string[];
}

type Field = keyof Preference;
function pick<F extends Field>(prefs: UserPreferences | undefined, type: AlertType, field: F): Preference[F] {
  const specific = prefs?.types?.[type]?.[field];
  if (specific !== undefined) return specific;
  return prefs?.global?.[field];
}

const ordered = (channels: Iterable<Channel>): Channel[] => {
  const set = new Set(channels);
  return CHANNEL_ORDER.filter((c) => set.has(c));
};

/**
 * The three levels merged for one user and type. `critical`: the alert (or type) cannot be
 * switched off entirely — in-app is kept even when the channels are `[]`.
 */
export function resolve(
  user: Recipient,
  prefs: UserPreferences | undefined,
  defaults: ResolvedDefaults,
  type: AlertType,
  critical: boolean,
): Resolution {
  const notes: string[] = [];
  const level1 = defaults[type];
  const own = pick(prefs, type, 'channels');
  const byRole = user.roles.some((role) => level1.roles.includes(role));
  const eligible = byRole || (own !== undefined && own.length > 0);
  const asked = own ?? level1.channels;
  const channels = new Set<Channel>(eligible ? asked : []);
  if (channels.has('sms')) {
    if (!own?.includes('sms')) {
      channels.delete('sms');
      notes.push(SMS_NEEDS_OPT_IN);
    } else if (!user.phone) {
      channels.delete('sms');
      notes.push(SMS_NEEDS_PHONE);
    }
  }
  if (critical && eligible && !channels.has('inApp')) {
    channels.add('inApp');
    notes.push(IN_APP_KEPT);
  }
  const quietHours = pick(prefs, type, 'quietHours') ?? undefined;
  const digest = pick(prefs, type, 'digest') ?? undefined;
  const categories = pick(prefs, type, 'categories');
  const skus = pick(prefs, type, 'skus');
  const locations = pick(prefs, type, 'locations');
  const result = ordered(channels);
  return {
    subscribed: result.length > 0,
    critical,
    channels: result,
    ...(categories ? { categories } : {}),
    ...(skus ? { skus } : {}),
    ...(locations ? { locations } : {}),
    ...(quietHours ? { quietHours } : {}),
    ...(digest ? { digest } : {}),
    notes,
  };
}

/** Critical for delivery: the alert says so (alerting decides, e.g. OutOfStock on an active product). */
export const isCriticalAlert = (alert: Alert): boolean => alert.severity === 'critical';

/**
 * Whether the resolution's filters keep the alert. A filter left unset keeps everything; a filter
 * set keeps an alert whose attribute is in it, and also an alert that has no such attribute (a
 * dead-letter alert has no SKU: a SKU filter is not about it). Critical alerts are never dropped.
 */
export function matchesFilters(resolution: Resolution, alert: Alert): boolean {
  if (resolution.critical) return true;
  const keeps = (allowed: string[] | undefined, value: string | undefined) =>
    allowed === undefined || value === undefined || allowed.includes(value);
  return (
    keeps(resolution.categories, alert.productCategory) &&
    keeps(resolution.skus, alert.sku) &&
    keeps(resolution.locations, alert.locationId)
  );
}

/** The channels one alert goes to for one user ([] = nobody, e.g. not subscribed or filtered out). */
export function channelsFor(
  alert: Alert,
  user: Recipient,
  prefs: UserPreferences | undefined,
  defaults: ResolvedDefaults,
): Resolution & { deliver: Channel[] } {
  const resolution = resolve(user, prefs, defaults, alert.type, isCriticalAlert(alert));
  const deliver = resolution.subscribed && matchesFilters(resolution, alert) ? resolution.channels : [];
  return { ...resolution, deliver };
}

/** The effective view of every type for one user (the contract's `effectivePreferenceSchema`). */
export function effective(
  user: Recipient,
  prefs: UserPreferences | undefined,
  defaults: ResolvedDefaults,
): EffectivePreference[] {
  return ALERT_TYPES.map((type) => {
    const info = ALERT_TYPE_INFO[type];
    const critical = info.critical === 'always';
    const r = resolve(user, prefs, defaults, type, critical);
    const notes = [...r.notes];
    if (info.critical === 'whenActive')
      notes.push('inApp: kept for an active product even if switched off (critical then)');
    return {
      type,
      category: info.category,
      title: info.title,
      critical,
      subscribed: r.subscribed,
      channels: r.channels,
      ...(r.quietHours && !critical ? { quietHours: r.quietHours } : {}),
      ...(r.digest && !critical ? { digest: r.digest } : {}),
      notes,
    };
  });
}

// ------------------------------------------------------------------------------ time zones

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function localTime(instant: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
  };
}

/** The UTC instant at which the wall clock of `timeZone` reads this local date and time. */
function instantOf(local: LocalTime, timeZone: string): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  let guess = wall;
  // Two rounds settle the offset (it may differ on either side of a DST change).
  for (let i = 0; i < 2; i++) {
    const seen = localTime(new Date(guess), timeZone);
    const seenWall = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    guess += wall - seenWall;
  }
  return new Date(guess);
}

const addDays = (local: LocalTime, days: number, hour: number, minute: number): LocalTime => {
  const d = new Date(Date.UTC(local.year, local.month - 1, local.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute };
};

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/**
 * When `now` falls in the quiet hours (local time of their zone; the window may span midnight),
 * the ISO instant they end; otherwise undefined.
 */
export function quietUntil(quiet: QuietHours, now: string): string | undefined {
  const local = localTime(new Date(now), quiet.timeZone);
  const m = local.hour * 60 + local.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return undefined;
  const endDay = m < end ? 0 : 1;
  return instantOf(addDays(local, endDay, Math.floor(end / 60), end % 60), quiet.timeZone).toISOString();
}

/** The next digest time strictly after `now`: today at the digest hour (local), or tomorrow. */
export function nextDigestAt(digest: Digest, now: string): string {
  const local = localTime(new Date(now), digest.timeZone);
  const today = instantOf(addDays(local, 0, digest.hour, 0), digest.timeZone);
  if (today.getTime() > new Date(now).getTime()) return today.toISOString();
  return instantOf(addDays(local, 1, digest.hour, 0), digest.timeZone).toISOString();
}
