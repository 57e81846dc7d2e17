import {
  Body,
  Column,
  Container,
  Head,
  Hr,
  Html,
  Preview,
  Row,
  Section,
  Text,
} from '@react-email/components';
import type { CSSProperties, ReactNode } from 'react';
import type { Alert } from '../contract.ts';

/**
 * The frame of every Azura email: the wordmark, the content, the footer. Inline styles only
 * (react-email's components inline them); no SVG, no web fonts, no images: the wordmark is text
 * on a coloured tile, as the dashboard's Logo draws it (web/src/components/Logo.tsx).
 */

/** The dashboard's palette (web/src/styles.css, from the product brief). */
export const brand = {
  azuraBlue: '#007bff',
  /** Under white text: 5.2:1 (Azura Blue gives 3.98:1). */
  blueStrong: '#0069d9',
  blueDark: '#0056b3',
  blueTint: '#e7f1ff',
  orange: '#ffa500',
  orangeTint: '#fff4e0',
  red: '#dc3545',
  redDark: '#b02a37',
  redTint: '#fbe9eb',
  yellowTint: '#fff8e1',
  green: '#28a745',
  greenDark: '#1e7e34',
  greenTint: '#e6f4ea',
  gray: '#6c757d',
  grayText: '#5c636a',
  lightGray: '#f8f9fa',
  border: '#dee2e6',
  darkGray: '#343a40',
  black: '#000000',
  white: '#ffffff',
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
} as const;

const body: CSSProperties = {
  margin: 0,
  padding: '24px 0',
  backgroundColor: brand.lightGray,
  color: brand.darkGray,
  fontFamily: brand.font,
};
const container: CSSProperties = {
  maxWidth: '600px',
  margin: '0 auto',
  padding: '24px 32px',
  backgroundColor: brand.white,
  border: `1px solid ${brand.border}`,
  borderRadius: '8px',
};
const tile: CSSProperties = {
  width: '32px',
  height: '32px',
  backgroundColor: brand.azuraBlue,
  borderRadius: '7px',
  color: brand.white,
  fontSize: '20px',
  fontWeight: 700,
  lineHeight: '32px',
  textAlign: 'center',
  fontFamily: brand.font,
};
const spark: CSSProperties = { color: brand.orange, fontSize: '14px', verticalAlign: 'top' };
const wordmark: CSSProperties = {
  margin: 0,
  paddingLeft: '8px',
  color: brand.black,
  fontSize: '21px',
  fontWeight: 700,
  letterSpacing: '0.5px',
  lineHeight: '32px',
};
export const footerText: CSSProperties = {
  margin: '0',
  color: brand.grayText,
  fontSize: '12px',
  lineHeight: '18px',
};
export const paragraph: CSSProperties = { margin: '0 0 16px', fontSize: '15px', lineHeight: '22px' };
export const link: CSSProperties = { color: brand.blueDark, textDecoration: 'underline' };
export const button: CSSProperties = {
  display: 'inline-block',
  padding: '12px 20px',
  backgroundColor: brand.blueStrong,
  borderRadius: '8px',
  color: brand.white,
  fontSize: '15px',
  fontWeight: 600,
  textDecoration: 'none',
};

export function Wordmark() {
  return (
    <Section style={{ marginBottom: '24px' }} data-skip-in-text="true">
      <Row>
        <Column style={{ width: '32px' }}>
          <div style={tile}>A</div>
        </Column>
        <Column>
          <Text style={wordmark}>
            Azura<span style={spark}>●</span>
          </Text>
        </Column>
      </Row>
    </Section>
  );
}

const SEVERITY_STYLE: Record<Alert['severity'] | 'resolved', { label: string; style: CSSProperties }> = {
  critical: { label: 'Critical', style: { backgroundColor: brand.redTint, color: brand.redDark } },
  warning: { label: 'Warning', style: { backgroundColor: brand.orangeTint, color: brand.darkGray } },
  info: { label: 'Info', style: { backgroundColor: brand.blueTint, color: brand.blueDark } },
  resolved: { label: 'Resolved', style: { backgroundColor: brand.greenTint, color: brand.greenDark } },
};

/** "Critical", "Warning", "Info" (or "Resolved") on its tint, as the dashboard's badges. */
export function SeverityBadge({ alert }: { alert: Alert }) {
  const { label, style } = SEVERITY_STYLE[alert.status === 'resolved' ? 'resolved' : alert.severity];
  return (
    <span
      style={{
        ...style,
        display: 'inline-block',
        padding: '2px 8px',
        borderRadius: '4px',
        fontSize: '12px',
        fontWeight: 700,
        textTransform: 'uppercase',
        letterSpacing: '0.5px',
      }}
    >
      {label}
    </span>
  );
}

export function Layout({
  preview,
  footer,
  children,
}: {
  /** The line inbox lists show after the subject. */
  preview: string;
  footer: ReactNode;
  children: ReactNode;
}) {
  return (
    <Html lang="en" dir="ltr">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={body}>
        <Container style={container}>
          <Wordmark />
          {children}
          <Hr style={{ margin: '24px 0 16px', borderColor: brand.border }} />
          {footer}
        </Container>
      </Body>
    </Html>
  );
}
