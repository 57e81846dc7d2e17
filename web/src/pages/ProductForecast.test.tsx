import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { StockView } from '../api/types.ts';
import { demoUser, fakeApi, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { forecast } from '../test/reporting.fixtures.ts';

const empty: StockView = {
  sku: 'TEE-S',
  totals: { onHand: 0, reserved: 0, available: 0, incoming: 0, shortfall: 0 },
  locations: [],
};

function productApi(routes: Parameters<typeof fakeApi>[0]) {
  signedInAs(demoUser('viewer'));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser('viewer'),
    'GET /api/v1/products/TEE-S': product({
      sku: 'TEE-S',
      name: 'T-shirt S',
      stock: { onHand: 0, reserved: 0, available: 0, incoming: 0 },
    }),
    'GET /api/v1/stock/TEE-S': empty,
    'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
    'GET /api/v1/stock/TEE-S/history': Array.from({ length: 30 }, (_, i) => ({
      date: `2026-11-${String(i + 1).padStart(2, '0')}`,
      onHand: 0,
    })),
    'GET /api/v1/reorder-rules': { items: [], nextCursor: null },
    'GET /api/v1/purchase-orders': { items: [], nextCursor: null },
    ...routes,
  });
}

describe('the demand forecast of a product', () => {
  it('shows the method, the demand pattern and the holdout error in words, and the bands as a table', async () => {
    // Prepare
    productApi({ 'GET /api/v1/forecasts/TEE-S': forecast() });
    const { user } = renderApp('/products/TEE-S');

    // Act
    const card = await screen.findByRole('region', { name: 'Demand forecast' });
    await within(card).findByText('ETS(A,N,A) weekly season');

    // Assess
    expect(within(card).getByText(/^Smooth: demand on most days/)).toBeTruthy();
    expect(
      within(card).getByText(/^MASE 0\.82 on the last 14 days held out: beats seasonal naive/),
    ).toBeTruthy();
    expect(within(card).getByText(/^Data as of/).textContent).toContain('(4 s behind)');
    expect(card.querySelectorAll('.recharts-area').length).toBe(2);
    await user.click(within(card).getByText('Show data'));
    const table = within(card).getByRole('table', { name: 'Demand of TEE-S: history and forecast' });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent);
    expect(headers).toEqual(['Date', 'Units', 'Lost units', 'Forecast', '80% interval', '95% interval']);
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(1 + 14 + 28);
    expect(rows[6]?.textContent).toBe('Nov 2452———');
    expect(rows[15]?.textContent).toBe('Dec 3——42–71–9');
  });

  it('says there is no demand history yet on a 404', async () => {
    // Prepare
    productApi({
      'GET /api/v1/forecasts/TEE-S': problem(404, 'Not found', 'TEE-S has no demand history yet'),
    });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    const card = await screen.findByRole('region', { name: 'Demand forecast' });
    expect(await within(card).findByText(/^No demand history yet/)).toBeTruthy();
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('draws the stock chart of a product without stock with whole, distinct ticks from 0', async () => {
    // Prepare
    productApi({ 'GET /api/v1/forecasts/TEE-S': problem(404, 'Not found') });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    const card = await screen.findByRole('region', { name: 'Stock on hand, last 30 days' });
    await within(card).findByText('No stock on hand in these 30 days.');
    const ticks = [...card.querySelectorAll('.chart-tick-y')].map((t) => t.textContent);
    expect(ticks).toEqual(['0', '1', '2', '3', '4']);
  });
});
