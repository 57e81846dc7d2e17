import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role, StockView } from '../api/types.ts';
import { demoUser, fakeApi, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { reorderSuggestion, reorderSuggestions } from '../test/reporting.fixtures.ts';

function suggestionsApi(role: Role, extra: Parameters<typeof fakeApi>[0] = {}) {
  signedInAs(demoUser(role));
  let accepted = false;
  const api = fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/reorder-suggestions': ({ query }) => ({
      body: reorderSuggestions({
        serviceLevel: Number(query.get('serviceLevel') ?? 0.95),
        // Once accepted, TEE-S matches its suggestion and leaves the list.
        ...(accepted ? { rows: reorderSuggestions().rows.slice(1) } : {}),
      }),
    }),
    'PATCH /api/v1/products/:sku': ({ params, body }) => {
      accepted = true;
      return product({ sku: params.sku, ...(body as object) });
    },
    ...extra,
  });
  return api;
}

const rowOf = (table: HTMLElement, sku: string) =>
  within(table).getByRole('rowheader', { name: sku }).closest('tr') as HTMLElement;

describe('the reorder suggestions page', () => {
  it('lists current against suggested reorder points, and Accept sets the suggested one', async () => {
    // Prepare
    const api = suggestionsApi('manager');
    const { user } = renderApp('/purchasing/suggestions');
    const table = await screen.findByRole('table', { name: 'Reorder suggestions at a 95% service level' });
    const tee = rowOf(table, 'TEE-S');
    expect(
      within(tee)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([
      'T-shirt S',
      '10',
      '42',
      '+32',
      '35',
      '6.4',
      '7 days',
      'its supplier’s receipts',
      '20',
      '4',
      'Accept',
    ]);
    expect(rowOf(table, 'MUG-1').textContent).toContain('−8');
    expect(rowOf(table, 'MUG-1').textContent).toContain('default, no receipt yet');

    // Act
    await user.click(within(tee).getByRole('button', { name: 'Accept 42 as the reorder point of TEE-S' }));

    // Assess
    await waitFor(() => expect(api.to('PATCH', '/api/v1/products/TEE-S')).toHaveLength(1));
    expect(api.to('PATCH', '/api/v1/products/TEE-S')[0]?.body).toEqual({ reorderPoint: 42 });
    expect(await screen.findByText('Reorder point of TEE-S set to 42')).toBeTruthy();
    await waitFor(() => expect(within(table).queryByRole('rowheader', { name: 'TEE-S' })).toBeNull());
    expect(api.to('GET', '/api/v1/reorder-suggestions')).toHaveLength(2);
  });

  it('asks for the service level chosen, kept in the address', async () => {
    // Prepare
    const api = suggestionsApi('manager');
    const { user, location } = renderApp('/purchasing/suggestions');
    await screen.findByRole('table', { name: 'Reorder suggestions at a 95% service level' });

    // Act
    await user.selectOptions(screen.getByLabelText('Service level'), '0.99');

    // Assess
    expect(
      await screen.findByRole('table', { name: 'Reorder suggestions at a 99% service level' }),
    ).toBeTruthy();
    expect(api.to('GET', '/api/v1/reorder-suggestions').at(-1)?.query.get('serviceLevel')).toBe('0.99');
    expect(location()).toBe('/purchasing/suggestions?serviceLevel=0.99');
  });

  it('is in the sidebar under Purchasing for managers', async () => {
    // Prepare
    suggestionsApi('manager');
    renderApp('/purchasing/suggestions');
    const sidebar = await screen.findByRole('navigation', { name: 'Sections' });
    const pages = within(sidebar).getByRole('list', { name: 'Purchasing' });

    // Assess
    expect(
      within(pages).getByRole('link', { name: 'Reorder suggestions' }).getAttribute('aria-current'),
    ).toBe('page');
  });

  it('shows viewers the suggestions without Accept', async () => {
    // Prepare
    suggestionsApi('viewer');

    // Act
    renderApp('/purchasing/suggestions');

    // Assess
    const table = await screen.findByRole('table', { name: 'Reorder suggestions at a 95% service level' });
    expect(within(table).queryByRole('button')).toBeNull();
    const sidebar = screen.getByRole('navigation', { name: 'Sections' });
    expect(within(sidebar).queryByRole('link', { name: 'Reorder suggestions' })).toBeNull();
  });

  it('says the suggestions are not available when the server answers 404', async () => {
    // Prepare
    suggestionsApi('manager', { 'GET /api/v1/reorder-suggestions': problem(404, 'Not found') });

    // Act
    renderApp('/purchasing/suggestions');

    // Assess
    expect(await screen.findByText(/The reorder suggestions report is not available yet/)).toBeTruthy();
  });
});

const empty: StockView = {
  sku: 'TEE-S',
  totals: { onHand: 0, reserved: 0, available: 0, incoming: 0, shortfall: 0 },
  locations: [],
};

function productApi(role: Role, routes: Parameters<typeof fakeApi>[0]) {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/products/TEE-S': product({ sku: 'TEE-S', name: 'T-shirt S', reorderPoint: 10 }),
    'GET /api/v1/stock/TEE-S': empty,
    'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
    'GET /api/v1/stock/TEE-S/history': [],
    'GET /api/v1/reorder-rules': { items: [], nextCursor: null },
    'GET /api/v1/purchase-orders': { items: [], nextCursor: null },
    'GET /api/v1/forecasts/TEE-S': problem(404, 'Not found'),
    ...routes,
  });
}

describe('the suggested reorder point of a product', () => {
  it('shows current against suggested and why, and Accept sets it for a manager', async () => {
    // Prepare
    let current = 10;
    const api = productApi('manager', {
      'GET /api/v1/reorder-suggestions/TEE-S': () =>
        reorderSuggestion({ currentReorderPoint: current, difference: 42 - current }),
      'PATCH /api/v1/products/TEE-S': ({ body }) => {
        current = (body as { reorderPoint: number }).reorderPoint;
        return product({ sku: 'TEE-S', reorderPoint: current });
      },
    });
    const { user } = renderApp('/products/TEE-S');
    const card = await screen.findByRole('region', { name: 'Suggested reorder point' });
    await within(card).findByText('Current');

    // Assess
    const fact = (term: string) =>
      within(card).getByText(term, { selector: 'dt' }).nextElementSibling?.textContent;
    expect(fact('Current')).toBe('10');
    expect(fact('Suggested')).toBe('42 (+32)');
    expect(fact('Lead time')).toBe('7 days (its supplier’s receipts)');
    expect(fact('Days of cover')).toBe('4 days at 5 a day');
    expect(within(card).getByText(/^About 35 units are expected over a lead time of 7 days/)).toBeTruthy();

    // Act
    await user.click(within(card).getByRole('button', { name: 'Accept 42 as the reorder point of TEE-S' }));

    // Assess
    await waitFor(() =>
      expect(api.to('PATCH', '/api/v1/products/TEE-S')[0]?.body).toEqual({ reorderPoint: 42 }),
    );
    expect(await within(card).findByText('The current reorder point is the suggested one.')).toBeTruthy();
    expect(within(card).queryByRole('button', { name: /^Accept/ })).toBeNull();
  });

  it('has no Accept for a viewer', async () => {
    // Prepare
    productApi('viewer', { 'GET /api/v1/reorder-suggestions/TEE-S': reorderSuggestion() });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    const card = await screen.findByRole('region', { name: 'Suggested reorder point' });
    await within(card).findByText('Suggested');
    expect(within(card).queryByRole('button')).toBeNull();
  });

  it('shows nothing when the SKU has no demand history (404)', async () => {
    // Prepare
    const api = productApi('manager', {
      'GET /api/v1/reorder-suggestions/TEE-S': problem(404, 'Not found', 'TEE-S has no demand history yet'),
    });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    await screen.findByRole('region', { name: 'Demand forecast' });
    await waitFor(() => expect(api.to('GET', '/api/v1/reorder-suggestions/TEE-S')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByText('Loading the suggestion…')).toBeNull());
    expect(screen.queryByRole('region', { name: 'Suggested reorder point' })).toBeNull();
  });
});
