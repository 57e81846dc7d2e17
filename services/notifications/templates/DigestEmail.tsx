import { Heading, Link, Section, Text } from '@react-email/components';
import type { CSSProperties } from 'react';
import type { Alert } from '../contract.ts';
import type { Recipient } from '../domain/model.ts';
import { absoluteUrl, dateTime, settingsUrl } from './figures.ts';
import { brand, footerText, Layout, link, paragraph, SeverityBadge } from './Layout.tsx';

const heading: CSSProperties = {
  margin: '0 0 16px',
  color: brand.black,
  fontSize: '20px',
  lineHeight: '28px',
  fontWeight: 700,
};
const row: CSSProperties = {
  padding: '12px 0',
  borderTop: `1px solid ${brand.border}`,
};
const title: CSSProperties = {
  margin: '6px 0 4px',
  fontSize: '15px',
  lineHeight: '22px',
  fontWeight: 700,
};
const summary: CSSProperties = { margin: '0 0 4px', fontSize: '14px', lineHeight: '20px' };
const meta: CSSProperties = { ...footerText, margin: 0 };

export const alertCount = (n: number): string => `${n} alert${n === 1 ? '' : 's'}`;

export interface DigestEmailProps {
  alerts: readonly Alert[];
  recipient: Recipient;
  dashboardUrl: string;
}

/** The day's non-critical alerts in one email: one row per alert (badge, title linked, summary). */
export function DigestEmail({ alerts, recipient, dashboardUrl }: DigestEmailProps) {
  const settings = settingsUrl(dashboardUrl);
  const count = alertCount(alerts.length);
  return (
    <Layout
      preview={`${count}: ${alerts.map((a) => a.title).join('; ')}`}
      footer={
        <Text style={footerText}>
          You get this because you chose a daily digest of your email alerts. You can change it in Settings →
          Notifications:{' '}
          <Link href={settings} style={link}>
            {settings}
          </Link>
        </Text>
      }
    >
      <Heading as="h1" style={heading}>
        Daily digest: {count}
      </Heading>
      <Text style={paragraph}>
        Hi {recipient.name}, here {alerts.length === 1 ? 'is the alert' : `are the ${count}`} raised since
        your last digest.
      </Text>
      {alerts.map((alert) => {
        const href = absoluteUrl(dashboardUrl, alert.link);
        return (
          <Section key={alert.id} style={row}>
            <SeverityBadge alert={alert} />
            <Text style={title}>
              <Link href={href} style={{ ...link, color: brand.blueDark }}>
                {alert.title}
              </Link>
            </Text>
            <Text style={summary}>{alert.summary}</Text>
            <Text style={meta}>Raised {dateTime(alert.raisedAt)}</Text>
          </Section>
        );
      })}
    </Layout>
  );
}
