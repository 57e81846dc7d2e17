import type { Money, Product } from '../api/types.ts';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Minor units → "$1,234.50" in the currency's own number of decimals. */
export function formatMoney(money: Money | undefined): string {
  if (!money) return '—';
  let format = moneyFormats.get(money.currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency });
    } catch {
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(money.currency, format);
  }
  return format.format(money.amount / 10 ** minorDigits(money.currency));
}

/** Decimals of a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** "12.5" in USD → 1250 minor units; NaN when not a number. */
export function toMinor(major: string, currency: string): number {
  const value = Number(major.trim().replace(',', '.'));
  if (major.trim() === '' || !Number.isFinite(value)) return Number.NaN;
  return Math.round(value * 10 ** minorDigits(currency));
}

export function toMajor(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

const integer = new Intl.NumberFormat();
export const formatNumber = (n: number | undefined): string => (n === undefined ? '—' : integer.format(n));

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export type StockStatus = 'in' | 'low' | 'out' | 'unknown';

/** Out when nothing is available, low at or under the reorder point, in stock otherwise. */
export function stockStatus(product: Pick<Product, 'stock' | 'reorderPoint'>): StockStatus {
  const stock = product.stock;
  if (!stock) return 'unknown';
  if (stock.available <= 0) return 'out';
  if (stock.available <= product.reorderPoint) return 'low';
  return 'in';
}

export const STOCK_STATUS_LABEL: Record<StockStatus, string> = {
  in: 'In stock',
  low: 'Low stock',
  out: 'Out of stock',
  unknown: 'No stock data',
};

export const humanize = (s: string): string => (s.charAt(0).toUpperCase() + s.slice(1)).replaceAll('_', ' ');
