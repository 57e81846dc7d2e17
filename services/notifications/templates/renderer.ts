import { render } from '@react-email/render';
import { createElement, type ReactElement } from 'react';
import type { Alert } from '../contract.ts';
import type { MessageRenderer, RenderedMessage } from '../domain/delivery.ts';
import type { Recipient } from '../domain/model.ts';
import { AlertEmail } from './AlertEmail.tsx';
import { alertCount, DigestEmail } from './DigestEmail.tsx';
import { absoluteUrl, smsFigures } from './figures.ts';

/**
 * The notifications' email and SMS content: react-email components rendered to HTML and to plain
 * text, and a single-segment SMS. A render failure throws (the delivery records it and does not
 * retry); so do inputs that cannot make a message (a digest of nothing, a dashboard URL that is
 * not one).
 */
export class ReactEmailRenderer implements MessageRenderer {
  async alertEmail(alert: Alert, recipient: Recipient, dashboardUrl: string): Promise<RenderedMessage> {
    const critical = alert.severity === 'critical' && alert.status === 'open';
    const subject = `[Azura] ${critical ? 'CRITICAL: ' : ''}${alert.title}`;
    return { subject, ...(await both(createElement(AlertEmail, { alert, recipient, dashboardUrl }))) };
  }

  async digestEmail(alerts: Alert[], recipient: Recipient, dashboardUrl: string): Promise<RenderedMessage> {
    if (alerts.length === 0)
      throw new Error(`a digest needs at least one alert (none for ${recipient.id}): nothing to send`);
    const subject = `[Azura] Daily digest: ${alertCount(alerts.length)}`;
    return { subject, ...(await both(createElement(DigestEmail, { alerts, recipient, dashboardUrl }))) };
  }

  sms(alert: Alert, dashboardUrl: string): RenderedMessage {
    return { text: smsText(alert, dashboardUrl) };
  }
}

/** On top of react-email's: headings and figure labels as written (html-to-text shouts them by default). */
const TEXT_SELECTORS = [
  { selector: 'h1', options: { uppercase: false } },
  {
    selector: '[data-text-format="dataTable"]',
    format: 'dataTable',
    options: { uppercaseHeaderCells: false },
  },
];

async function both(element: ReactElement): Promise<{ html: string; text: string }> {
  const [html, text] = await Promise.all([
    render(element),
    render(element, { plainText: true, htmlToTextOptions: { selectors: TEXT_SELECTORS } }),
  ]);
  return { html, text };
}

// ------------------------------------------------------------------------------ SMS

/** One SMS segment: 160 GSM-7 characters. */
export const SMS_LIMIT = 160;

/**
 * GSM 03.38's basic set. One character outside it (an "…", a "×", curly quotes) makes the whole
 * SMS UCS-2, 70 characters a segment: our own punctuation is kept inside it.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: each costs two of the 160. */
const GSM_EXTENDED = '^{}\\[~]|€';
const GSM = new Set([...GSM_BASIC, ...GSM_EXTENDED]);

const PUNCTUATION: Record<string, string> = {
  '…': '...',
  '×': 'x',
  '→': '->',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '\u00a0': ' ',
};

/** Typographic punctuation to its GSM-7 stand-in; accented letters outside GSM-7 lose the accent. */
export function toGsm(text: string): string {
  return [...text]
    .map((c) => {
      if (GSM.has(c)) return c;
      if (PUNCTUATION[c] !== undefined) return PUNCTUATION[c];
      const bare = c.normalize('NFD').replace(/\p{M}/gu, '');
      return [...bare].every((b) => GSM.has(b)) ? bare : c;
    })
    .join('');
}

/** Its length as the network counts it: GSM-7 extension characters count twice. */
export function smsLength(text: string): number {
  return [...text].reduce((n, c) => n + (GSM_EXTENDED.includes(c) ? 2 : 1), 0);
}

/** Shortens to `max` (SMS length) with a trailing "...", at a word boundary when one is near. */
function shorten(text: string, max: number): string {
  if (smsLength(text) <= max) return text;
  const chars = [...text];
  let cut = '';
  for (const c of chars) {
    if (smsLength(cut + c) > max - 3) break;
    cut += c;
  }
  const space = cut.lastIndexOf(' ');
  if (space >= cut.length * 0.6) cut = cut.slice(0, space);
  return `${cut.replace(/[\s,.:;(-]+$/, '')}...`;
}

/** Fewest characters of the title kept before figures give way to it. */
const MIN_TITLE = 24;

/**
 * `Azura: <title>. <figures> <link>`, at most 160 (GSM-7) characters: the link is kept whole; then
 * the title, shortened with "..." down to a few words; figures go, least telling first, before
 * the title is cut further.
 */
export function smsText(alert: Alert, dashboardUrl: string): string {
  const href = absoluteUrl(dashboardUrl, alert.link);
  const critical = alert.severity === 'critical' && alert.status === 'open';
  const prefix = critical ? 'Azura CRITICAL: ' : 'Azura: ';
  const title = toGsm(alert.title).replace(/[\s.]+$/, '');
  const figures = smsFigures(alert).map(toGsm);
  const compose = (t: string, f: readonly string[]) =>
    `${prefix}${t}${t.endsWith('...') ? '' : '.'}${f.length ? ` ${f.join(' ')}` : ''} ${href}`;
  for (let keep = figures.length; keep >= 0; keep--) {
    const f = figures.slice(0, keep);
    const room = SMS_LIMIT - smsLength(compose('', f));
    const minTitle = keep === 0 ? 4 : Math.min(MIN_TITLE, smsLength(title));
    if (room >= minTitle) return compose(shorten(title, room), f);
  }
  throw new Error(`the link ${href} leaves no room for an SMS of ${SMS_LIMIT} characters`);
}
