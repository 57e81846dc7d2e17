import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OrderDetail, OrderSummary } from '../api/types.ts';
import { demoUser, fakeApi, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';

const orders: OrderSummary[] = [
  {
    orderId: 'ord-1',
    status: 'FULFILLED',
    lines: [{ sku: 'TEE-S', quantity: 2 }],
    placedAt: '2024-05-01T10:00:00Z',
    updatedAt: '2024-05-01T11:00:00Z',
  },
  {
    orderId: 'ord-2',
    status: 'REJECTED',
    lines: [
      { sku: 'TEE-S', quantity: 1 },
      { sku: 'CAP-RED', quantity: 5 },
    ],
    placedAt: '2024-05-02T10:00:00Z',
    updatedAt: '2024-05-02T10:00:02Z',
  },
];

describe('orders', () => {
  it('lists orders with their status and filters by status on the server', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/orders': ({ query }) => ({
        body: { items: orders.filter((o) => !query.get('status') || o.status === query.get('status')) },
      }),
    });
    const { user } = renderApp('/orders');
    const table = await screen.findByRole('table', { name: 'Orders, newest first' });
    expect(within(table).getByRole('link', { name: 'ord-1' })).toBeTruthy();
    expect(within(table).getByText('Fulfilled')).toBeTruthy();

    // Act
    await user.selectOptions(screen.getByLabelText('Status'), 'REJECTED');

    // Assess
    await waitFor(() => expect(screen.queryByRole('link', { name: 'ord-1' })).toBeNull());
    expect(screen.getByRole('link', { name: 'ord-2' })).toBeTruthy();
    expect(api.calls.some((c) => c.path === '/api/v1/orders' && c.query.get('status') === 'REJECTED')).toBe(
      true,
    );
  });

  it('shows an order with its lines, shortfalls and each saga step with its outcome', async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const detail: OrderDetail = {
      ...orders[1]!,
      history: [
        { status: 'PENDING', at: '2024-05-02T10:00:00Z' },
        { status: 'REJECTED', at: '2024-05-02T10:00:02Z' },
      ],
      shortfalls: [{ sku: 'CAP-RED', requested: 5, available: 2 }],
      timeline: [
        {
          step: 'ReserveStock',
          status: 'failed',
          startedAt: '2024-05-02T10:00:00Z',
          endedAt: '2024-05-02T10:00:01Z',
          error: 'Insufficient stock for CAP-RED',
        },
        {
          step: 'PublishRejected',
          status: 'succeeded',
          startedAt: '2024-05-02T10:00:01Z',
          endedAt: '2024-05-02T10:00:02Z',
          attempts: 2,
        },
      ],
    };
    fakeApi({ 'GET /api/v1/auth/me': demoUser('manager'), 'GET /api/v1/orders/ord-2': detail });

    // Act
    renderApp('/orders/ord-2');

    // Assess
    expect(await screen.findByRole('heading', { name: 'Order ord-2' })).toBeTruthy();
    const lines = screen.getByRole('table', { name: 'Order lines' });
    expect(within(lines).getByRole('link', { name: 'CAP-RED' }).closest('tr')?.textContent).toContain(
      '3 (available 2)',
    );
    const steps = within(screen.getByRole('heading', { name: 'Saga timeline' }).parentElement!).getAllByRole(
      'listitem',
    );
    expect(steps).toHaveLength(2);
    expect(steps[0]?.textContent).toContain('Reserve stock');
    expect(steps[0]?.textContent).toContain('Failed');
    expect(steps[0]?.textContent).toContain('Insufficient stock for CAP-RED');
    expect(steps[1]?.textContent).toContain('Publish rejected');
    expect(steps[1]?.textContent).toContain('Succeeded');
    expect(steps[1]?.textContent).toContain('2 attempts');
  });
});
