import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { demoUser, fakeApi, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { reportSummary } from '../test/reporting.fixtures.ts';

const figure = (region: HTMLElement, label: string) =>
  within(region).getByText(label, { selector: '.stat-label' }).nextElementSibling?.textContent;

describe('the dashboard', () => {
  it("shows the reporting summary's figures, its trends with their data, and how fresh it is", async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/reports/summary': reportSummary(),
    });
    const { user } = renderApp('/');

    // Act
    const figures = await screen.findByRole('region', { name: 'Key figures' });

    // Assess
    expect(figure(figures, 'Products (SKUs)')).toBe('42');
    expect(figure(figures, 'Units on hand')).toBe('1,234');
    expect(figure(figures, 'Inventory value')).toBe('$9,876.50');
    expect(figure(figures, 'Retail value')).toBe('$23,456.00');
    expect(figure(figures, 'Low stock')).toBe('3');
    expect(figure(figures, 'Out of stock')).toBe('1');
    expect(figure(figures, 'Products without cost')).toBe('2');
    const asOf = screen.getByText(/^Data as of/);
    expect(asOf.textContent).toMatch(/\(4 s behind\)$/);
    expect(asOf.querySelector('time')?.getAttribute('datetime')).toBe('2026-12-03T10:15:00.000Z');
    expect(
      await screen.findByRole('group', {
        name: 'Units in and out per day: Inbound 12, Outbound 34 over 30 days',
      }),
    ).toBeTruthy();
    expect(
      await screen.findByRole('group', {
        name: /^Inventory value at cost, end of each day: from \$9,000\.00/,
      }),
    );
    const trend = screen.getByRole('region', { name: 'Stock movements, last 30 days' });
    expect(trend.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0);
    await user.click(within(trend).getByText('Show data'));
    const table = within(trend).getByRole('table', { name: 'Units in and out per day' });
    expect(within(table).getAllByRole('row')).toHaveLength(31);
    expect(within(table).getAllByRole('row').at(-1)?.textContent).toContain('125');
    expect(screen.getByRole('link', { name: 'ord-1' })).toBeTruthy();
    // The report answered: no download of every product.
    expect(api.to('GET', '/api/v1/products')).toHaveLength(0);
  });

  it('works the figures out from the products on a 404, and does not ask the reporting service again', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/reports/summary': problem(404, 'Not found'),
      'GET /api/v1/products': {
        items: [
          product({ sku: 'A', stock: { onHand: 20, reserved: 2, available: 16, incoming: 0 } }),
          product({ sku: 'B', stock: { onHand: 0, reserved: 0, available: 0, incoming: 0 } }),
        ],
      },
      'GET /api/v1/orders': { items: [], nextCursor: null },
    });
    const { user } = renderApp('/');
    const figures = await screen.findByRole('region', { name: 'Key figures' });
    expect(figure(figures, 'Inventory value')).toBe('$160.00');
    expect(figure(figures, 'Retail value')).toBe('$399.80');
    await waitFor(() =>
      expect(screen.getAllByText(/The 30-day trend comes with the reporting service/)).toHaveLength(2),
    );
    expect(screen.queryByText(/^Data as of/)).toBeNull();

    // Act: away and back again
    const nav = screen.getByRole('navigation', { name: 'Main' });
    await user.click(within(nav).getByRole('link', { name: 'Inventory' }));
    await screen.findByRole('heading', { name: 'Inventory' });
    await user.click(within(nav).getByRole('link', { name: 'Dashboard' }));
    await screen.findByRole('region', { name: 'Key figures' });

    // Assess
    await waitFor(() => expect(api.to('GET', '/api/v1/products').length).toBeGreaterThanOrEqual(3));
    expect(api.to('GET', '/api/v1/reports/summary')).toHaveLength(1);
  });
});
