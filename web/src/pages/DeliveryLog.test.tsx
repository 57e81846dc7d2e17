import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { demoUser, fakeApi, signedInAs } from '../test/fakeApi.ts';
import { delivery } from '../test/notifications.fixtures.ts';
import { renderApp } from '../test/render.tsx';

const sent = delivery({ id: 'dl_sent' });
const failed = delivery({
  id: 'dl_failed',
  alertType: 'OutOfStock',
  sku: 'MUG',
  channel: 'sms',
  recipient: '+15550100',
  status: 'failed',
  reason: 'provider unavailable',
  subject: undefined,
  attempts: [
    { at: '2024-05-03T11:00:00.000Z', outcome: 'error', error: 'timeout' },
    { at: '2024-05-03T11:01:00.000Z', outcome: 'error', error: 'timeout' },
    { at: '2024-05-03T11:03:00.000Z', outcome: 'error', error: 'timeout' },
  ],
  createdAt: '2024-05-03T11:00:00.000Z',
  sentAt: undefined,
});

function logOf(role: 'manager' | 'admin' | 'warehouse') {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/notifications/deliveries': ({ query }) => {
      const items = [failed, sent].filter(
        (d) =>
          (!query.get('channel') || d.channel === query.get('channel')) &&
          (!query.get('status') || d.status === query.get('status')) &&
          (!query.get('type') || d.alertType === query.get('type')) &&
          (!query.get('sku') || d.sku === query.get('sku')),
      );
      return { body: { items, ...(query.get('cursor') ? {} : { nextCursor: 'page-2' }) } };
    },
    'GET /api/v1/notifications/deliveries/:id/content': ({ params }) =>
      params.id === 'dl_sent'
        ? {
            body: {
              subject: 'Low stock: T-shirt S',
              html: '<html><body><h1>Low stock</h1><script>alert(1)</script></body></html>',
              text: 'Low stock: T-shirt S. 4 available.',
            },
          }
        : { body: { text: 'Out of stock: MUG' } },
  });
}

const table = () => screen.findByRole('table', { name: 'Deliveries, newest first' });

describe('the delivery log', () => {
  it('shows each delivery with its channel, status, reason and attempts', async () => {
    // Prepare
    logOf('manager');

    // Act
    renderApp('/notifications/deliveries');

    // Assess
    const rows = within(await table())
      .getAllByRole('row')
      .slice(1);
    expect(rows).toHaveLength(2);
    const cells = (row: HTMLElement | undefined) =>
      within(row as HTMLElement)
        .getAllByRole('cell')
        .map((c) => c.textContent);
    expect(cells(rows[0]).slice(1, 7)).toEqual([
      'Out of stock',
      'MUG',
      '+15550100',
      'SMS',
      'Failed provider unavailable',
      '3',
    ]);
    expect(cells(rows[1]).slice(1, 7)).toEqual([
      'Low stock',
      'TEE-S',
      'manager@azura.local',
      'Email',
      'Sent',
      '1',
    ]);
    expect(
      within(screen.getByRole('navigation', { name: 'Sections' })).getByRole('link', {
        name: 'Delivery log',
      }),
    ).toBeTruthy();
  });

  it('filters by channel, type, SKU and status, and pages on', async () => {
    // Prepare
    const api = logOf('admin');
    const { user } = renderApp('/notifications/deliveries');
    await table();

    // Act
    await user.selectOptions(screen.getByLabelText('Channel'), 'sms');
    await user.selectOptions(screen.getByLabelText('Alert type'), 'OutOfStock');
    await user.selectOptions(screen.getByLabelText('Status'), 'failed');
    await user.type(screen.getByLabelText('SKU'), 'mug');

    // Assess
    await waitFor(() => {
      const last = api.to('GET', '/api/v1/notifications/deliveries').at(-1);
      expect(Object.fromEntries(last?.query ?? [])).toEqual({
        channel: 'sms',
        type: 'OutOfStock',
        status: 'failed',
        sku: 'MUG',
        limit: '50',
      });
    });
    await waitFor(async () => expect(within(await table()).getAllByRole('row')).toHaveLength(2));

    // Act: the next page
    await user.click(screen.getByRole('button', { name: 'Older deliveries' }));

    // Assess
    await waitFor(() =>
      expect(
        api.to('GET', '/api/v1/notifications/deliveries').some((c) => c.query.get('cursor') === 'page-2'),
      ).toBe(true),
    );
  });

  it('opens what a delivery sent: the email in a sandboxed frame, and its text', async () => {
    // Prepare
    logOf('manager');
    const { user } = renderApp('/notifications/deliveries');
    const rows = within(await table()).getAllByRole('row');

    // Act
    await user.click(
      within(rows[2] as HTMLElement).getByRole('button', { name: /Content sent to manager@azura.local/ }),
    );

    // Assess
    const dialog = await screen.findByRole('dialog', { name: 'Email to manager@azura.local' });
    const frame = await within(dialog).findByTitle('Email as sent: Low stock: T-shirt S');
    expect(frame.getAttribute('sandbox')).toBe('');
    expect(frame.getAttribute('srcdoc')).toContain('<h1>Low stock</h1>');
    expect(within(dialog).getByText('Low stock: T-shirt S. 4 available.')).toBeTruthy();
  });

  it('is not open to warehouse staff', async () => {
    // Prepare
    logOf('warehouse');

    // Act
    renderApp('/notifications/deliveries');

    // Assess
    expect(await screen.findByText("You don't have permission to see the delivery log.")).toBeTruthy();
    expect(
      within(screen.getByRole('navigation', { name: 'Sections' })).queryByRole('link', {
        name: 'Delivery log',
      }),
    ).toBeNull();
  });
});
