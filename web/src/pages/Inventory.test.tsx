import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types.ts';
import { demoUser, fakeApi, type Handler, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { setViewport } from '../test/setup.ts';

const catalog = [
  product({
    sku: 'MUG-WHITE',
    name: 'Mug white',
    category: 'kitchen',
    reorderPoint: 10,
    price: { amount: 899, currency: 'USD' },
    stock: { onHand: 60, reserved: 0, available: 50, incoming: 0 },
  }),
  product({
    sku: 'TEE-S',
    name: 'T-shirt S',
    category: 'apparel',
    reorderPoint: 10,
    price: { amount: 1999, currency: 'USD' },
    stock: { onHand: 9, reserved: 2, available: 5, incoming: 20 },
  }),
  product({
    sku: 'CAP-RED',
    name: 'Cap red',
    category: 'apparel',
    reorderPoint: 5,
    price: { amount: 1500, currency: 'USD' },
    stock: { onHand: 2, reserved: 2, available: 0, incoming: 0 },
  }),
];

function inventoryApi(role: Role, extra: Record<string, Handler | object> = {}) {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/products': ({ query }) => ({
      body: {
        items: catalog.filter(
          (p) =>
            (!query.get('category') || p.category === query.get('category')) &&
            (!query.get('search') || p.name.toLowerCase().includes(query.get('search')!.toLowerCase())),
        ),
      },
    }),
    'GET /api/v1/locations': { items: [{ id: 'main', name: 'Main warehouse' }] },
    ...extra,
  });
}

const rowOf = (sku: string) => screen.getByRole('cell', { name: sku }).closest('tr') as HTMLElement;

describe('inventory', () => {
  it('shows each product with its stock figures, price and a stock status badge', async () => {
    // Prepare
    inventoryApi('viewer');

    // Act
    renderApp('/inventory');

    // Assess
    await screen.findByRole('cell', { name: 'MUG-WHITE' });
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual([
      'SKU',
      'Name',
      'Category',
      'On hand',
      'Reserved',
      'Available',
      'Price',
      'Status',
    ]);
    expect(within(rowOf('MUG-WHITE')).getByText('In stock')).toBeTruthy();
    expect(within(rowOf('TEE-S')).getByText('Low stock')).toBeTruthy();
    expect(within(rowOf('CAP-RED')).getByText('Out of stock')).toBeTruthy();
    expect(within(rowOf('TEE-S')).getByText('$19.99')).toBeTruthy();
  });

  it('flags a product with less on hand than is reserved, in red and in words, but not one on backorder', async () => {
    // Prepare
    const short = product({
      sku: 'HAT-BLUE',
      name: 'Hat blue',
      stock: { onHand: 1, reserved: 4, available: -3, incoming: 0 },
    });
    const backordered = product({
      sku: 'HAT-PRE',
      name: 'Hat preorder',
      allowBackorder: true,
      stock: { onHand: 0, reserved: 4, available: -4, incoming: 0 },
    });
    inventoryApi('viewer', { 'GET /api/v1/products': { items: [short, backordered, catalog[0]] } });

    // Act
    renderApp('/inventory');

    // Assess
    await screen.findByRole('cell', { name: 'HAT-BLUE' });
    const flag = within(rowOf('HAT-BLUE')).getByText('Short by 3');
    expect(flag.className).toContain('badge-danger');
    expect(flag.getAttribute('title')).toMatch(/not on hand/);
    expect(within(rowOf('HAT-PRE')).queryByText(/Short/)).toBeNull();
    expect(within(rowOf('MUG-WHITE')).queryByText(/Short/)).toBeNull();
  });

  it.each([
    ['viewer', []],
    ['warehouse', ['Adjust stock of TEE-S']],
    ['manager', ['Edit TEE-S', 'Adjust stock of TEE-S', 'Delete TEE-S']],
    ['admin', ['Edit TEE-S', 'Adjust stock of TEE-S', 'Delete TEE-S']],
  ] as const)('offers the %s role only the row actions it allows', async (role, expected) => {
    // Prepare
    inventoryApi(role);

    // Act
    renderApp('/inventory');

    // Assess
    await screen.findByRole('cell', { name: 'TEE-S' });
    const actions = Array.from(rowOf('TEE-S').querySelectorAll('a[aria-label], button[aria-label]')).map(
      (el) => el.getAttribute('aria-label'),
    );
    expect(actions).toEqual(expected);
    expect(Boolean(screen.queryByRole('link', { name: 'Add product' }))).toBe(
      role === 'manager' || role === 'admin',
    );
  });

  it('filters by stock status and category, and sorts by a column', async () => {
    // Prepare
    const api = inventoryApi('viewer');
    const { user } = renderApp('/inventory');
    await screen.findByRole('cell', { name: 'MUG-WHITE' });

    // Act: only low or out products of the apparel category, by price, highest first
    await user.selectOptions(screen.getByLabelText('Category'), 'apparel');
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'MUG-WHITE' })).toBeNull());
    await user.click(screen.getByRole('button', { name: 'Price' }));
    await user.click(screen.getByRole('button', { name: 'Price' }));

    // Assess
    expect(
      api.calls.some((c) => c.path === '/api/v1/products' && c.query.get('category') === 'apparel'),
    ).toBe(true);
    const skus = () =>
      screen
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.querySelector('td')?.textContent);
    expect(skus()).toEqual(['TEE-S', 'CAP-RED']);
    expect(screen.getByRole('columnheader', { name: 'Price' }).getAttribute('aria-sort')).toBe('descending');

    await user.selectOptions(screen.getByLabelText('Stock status'), 'out');
    expect(skus()).toEqual(['CAP-RED']);
  });

  it('searches by name on the server once typing pauses', async () => {
    // Prepare
    const api = inventoryApi('viewer');
    const { user } = renderApp('/inventory');
    await screen.findByRole('cell', { name: 'MUG-WHITE' });

    // Act
    await user.type(screen.getByLabelText('Search'), 'mug');

    // Assess
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'TEE-S' })).toBeNull(), { timeout: 3000 });
    expect(screen.getByRole('cell', { name: 'MUG-WHITE' })).toBeTruthy();
    expect(api.calls.filter((c) => c.query.get('search')).map((c) => c.query.get('search'))).toEqual(['mug']);
  });

  it('becomes a list of cards on a 375 px phone', async () => {
    // Prepare
    setViewport(375, 800);
    inventoryApi('warehouse');

    // Act
    renderApp('/inventory');

    // Assess
    const list = await screen.findByRole('list', { name: 'Products' });
    const cards = within(list).getAllByRole('listitem');
    expect(cards).toHaveLength(3);
    expect(screen.queryByRole('table')).toBeNull();
    const tee = cards.find((c) => c.textContent?.includes('TEE-S'))!;
    expect(within(tee).getByText('Low stock')).toBeTruthy();
    expect(within(tee).getByRole('button', { name: 'Adjust stock of TEE-S' })).toBeTruthy();
    // The header's navigation folds into the menu button on a phone.
    expect(screen.getByRole('button', { name: 'Open menu' })).toBeTruthy();
  });

  it('deletes a product after confirmation and says when the server refuses', async () => {
    // Prepare
    const api = inventoryApi('manager', {
      'DELETE /api/v1/products/:sku': ({ params }) =>
        params.sku === 'CAP-RED'
          ? problem(409, 'Conflict', 'CAP-RED has stock on hand or reserved')
          : { body: { ...catalog[0], status: 'archived' } },
    });
    const { user } = renderApp('/inventory');
    await screen.findByRole('cell', { name: 'CAP-RED' });

    // Act
    await user.click(screen.getByRole('button', { name: 'Delete CAP-RED' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete CAP-RED?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));

    // Assess: the row comes back and the refusal is announced
    const alert = await screen.findByText(/CAP-RED has stock on hand or reserved/);
    expect(alert.closest('[role="alert"]')).toBeTruthy();
    expect(screen.getByRole('cell', { name: 'CAP-RED' })).toBeTruthy();
    expect(api.to('DELETE', '/api/v1/products/CAP-RED')).toHaveLength(1);
  });

  it('tells the user when the server refuses an action for their role', async () => {
    // Prepare: the UI offers delete to a manager, the server says no
    inventoryApi('manager', {
      'DELETE /api/v1/products/:sku': problem(403, 'Forbidden', 'role manager may not'),
    });
    const { user } = renderApp('/inventory');
    await screen.findByRole('cell', { name: 'MUG-WHITE' });

    // Act
    await user.click(screen.getByRole('button', { name: 'Delete MUG-WHITE' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));

    // Assess
    expect(await screen.findByText("You don't have permission")).toBeTruthy();
  });
});
