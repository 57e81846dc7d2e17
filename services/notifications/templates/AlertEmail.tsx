import { Button, Heading, Link, Section, Text } from '@react-email/components';
import type { CSSProperties } from 'react';
import type { Alert } from '../contract.ts';
import type { Recipient } from '../domain/model.ts';
import {
  absoluteUrl,
  dateTime,
  detailsOf,
  type Figure,
  figuresOf,
  settingsUrl,
  typeTitle,
} from './figures.ts';
import { brand, button, footerText, Layout, link, paragraph, SeverityBadge } from './Layout.tsx';

const heading: CSSProperties = {
  margin: '12px 0 16px',
  color: brand.black,
  fontSize: '20px',
  lineHeight: '28px',
  fontWeight: 700,
};
const table: CSSProperties = {
  width: '100%',
  margin: '0 0 24px',
  borderCollapse: 'collapse',
  fontSize: '14px',
  lineHeight: '20px',
};
const labelCell: CSSProperties = {
  padding: '6px 12px 6px 0',
  borderBottom: `1px solid ${brand.border}`,
  color: brand.grayText,
  textAlign: 'left',
  fontWeight: 400,
  verticalAlign: 'top',
  width: '45%',
};
const valueCell: CSSProperties = {
  padding: '6px 0',
  borderBottom: `1px solid ${brand.border}`,
  color: brand.darkGray,
  fontWeight: 600,
  verticalAlign: 'top',
};

/** Label/value rows as a data table (a `<th>`/`<td>` pair a row; html-to-text lays it out as columns). */
export function FiguresTable({ rows, caption }: { rows: readonly Figure[]; caption: string }) {
  if (rows.length === 0) return null;
  return (
    <table cellPadding={0} cellSpacing={0} style={table} aria-label={caption} data-text-format="dataTable">
      <tbody>
        {rows.map((row) => (
          <tr key={row.label}>
            <th scope="row" style={labelCell}>
              {row.label}
            </th>
            <td style={row.emphasis ? { ...valueCell, color: brand.redDark } : valueCell}>{row.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface AlertEmailProps {
  alert: Alert;
  recipient: Recipient;
  dashboardUrl: string;
}

/** One alert: the greeting, what happened, its figures, a button to the page to act on it. */
export function AlertEmail({ alert, recipient, dashboardUrl }: AlertEmailProps) {
  const href = absoluteUrl(dashboardUrl, alert.link);
  const settings = settingsUrl(dashboardUrl);
  const figures = figuresOf(alert);
  const details = detailsOf(alert, figures);
  const critical = alert.severity === 'critical' && alert.status === 'open';
  return (
    <Layout
      preview={alert.summary}
      footer={
        <Text style={footerText}>
          You get this because your notification settings send you “{typeTitle(alert)}” alerts by email
          {critical ? ' (critical alerts are never held by quiet hours or digests)' : ''}. You can change it
          in Settings → Notifications:{' '}
          <Link href={settings} style={link}>
            {settings}
          </Link>
        </Text>
      }
    >
      <SeverityBadge alert={alert} />
      <Heading as="h1" style={heading}>
        {alert.title}
      </Heading>
      <Text style={paragraph}>Hi {recipient.name},</Text>
      <Text style={paragraph}>{alert.summary}</Text>
      <Text style={{ ...footerText, margin: '0 0 16px' }}>
        Raised {dateTime(alert.raisedAt)}
        {alert.resolvedAt ? ` · resolved ${dateTime(alert.resolvedAt)}` : ''}
      </Text>
      <FiguresTable rows={figures} caption="Figures" />
      <FiguresTable rows={details} caption="Details" />
      <Section style={{ margin: '0 0 16px' }}>
        <Button href={href} style={critical ? { ...button, backgroundColor: brand.redDark } : button}>
          Open in Azura
        </Button>
      </Section>
      <Text style={{ ...footerText, margin: '0 0 8px' }}>
        Or copy this link:{' '}
        <Link href={href} style={link}>
          {href}
        </Link>
      </Text>
    </Layout>
  );
}
