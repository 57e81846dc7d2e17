import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { demoUser, fakeApi, json, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';

/** The message shown for an input: the text of the elements its aria-describedby names. */
const messageFor = (input: HTMLElement) =>
  (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent)
    .join(' ');

describe('add and edit product', () => {
  it("shows the API's problem+json field errors next to the right inputs", async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('manager'),
      'GET /api/v1/products': { items: [product()] },
      'POST /api/v1/products': problem(
        400,
        'Invalid request',
        'price.amount: Too small; sku: SKU: 1-64 upper-case',
        [
          { field: 'price.amount', message: 'Too small: expected number to be >=0' },
          { field: 'sku', message: 'SKU: 1-64 upper-case letters, digits, . _ -' },
        ],
      ),
    });
    const { user, location } = renderApp('/products/new');

    // Act
    await user.type(await screen.findByLabelText('SKU'), 'MUG#1');
    await user.type(screen.getByLabelText('Name'), 'Mug');
    await user.type(screen.getByLabelText('Category'), 'kitchen');
    await user.type(screen.getByLabelText('Price'), '8.99');
    await user.type(screen.getByLabelText('Cost'), '3');
    await user.click(screen.getByRole('button', { name: 'Create product' }));

    // Assess
    const price = screen.getByLabelText('Price');
    await waitFor(() => expect(price.getAttribute('aria-invalid')).toBe('true'));
    expect(messageFor(price)).toContain('Too small: expected number to be >=0');
    expect(messageFor(screen.getByLabelText('SKU'))).toContain('SKU: 1-64 upper-case letters, digits, . _ -');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('false');
    expect(screen.getByText(/Please correct 2 fields/)).toBeTruthy();
    expect(location()).toBe('/products/new');
    expect(api.to('POST', '/api/v1/products')[0]?.body).toMatchObject({
      sku: 'MUG#1',
      name: 'Mug',
      category: 'kitchen',
      price: { amount: 899, currency: 'USD' },
      cost: { amount: 300, currency: 'USD' },
      reorderPoint: 0,
      safetyStock: 0,
      allowBackorder: false,
    });
  });

  it('creates a product with an Idempotency-Key, reused when the same values are sent again', async () => {
    // Prepare: the first attempt fails on the server side, the second succeeds
    signedInAs(demoUser('admin'));
    let attempts = 0;
    const created = product({ sku: 'MUG-1', name: 'Mug', category: 'kitchen' });
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('admin'),
      'GET /api/v1/products': { items: [] },
      'POST /api/v1/products': () =>
        ++attempts === 1 ? problem(503, 'Service unavailable', 'try again') : json(created, 201),
      'GET /api/v1/products/MUG-1': created,
      'GET /api/v1/stock/MUG-1': { sku: 'MUG-1', totals: created.stock, locations: [] },
      'GET /api/v1/stock/MUG-1/movements': { items: [], nextCursor: null },
      'GET /api/v1/stock/MUG-1/history': [],
    });
    const { user, location } = renderApp('/products/new');
    await user.type(await screen.findByLabelText('SKU'), 'mug-1');
    await user.type(screen.getByLabelText('Name'), 'Mug');
    await user.type(screen.getByLabelText('Category'), 'kitchen');
    await user.type(screen.getByLabelText('Price'), '8.99');
    await user.type(screen.getByLabelText('Cost'), '3');

    // Act
    await user.click(screen.getByRole('button', { name: 'Create product' }));
    await screen.findByText(/Service unavailable: try again/, { selector: '.callout span' });
    await user.click(screen.getByRole('button', { name: 'Create product' }));

    // Assess
    await waitFor(() => expect(location()).toBe('/products/MUG-1'));
    const posts = api.to('POST', '/api/v1/products');
    expect(posts).toHaveLength(2);
    expect(posts[0]?.headers.get('idempotency-key')).toBeTruthy();
    expect(posts[1]?.headers.get('idempotency-key')).toBe(posts[0]?.headers.get('idempotency-key'));
    expect(await screen.findByText('MUG-1 created')).toBeTruthy();
  });

  it('sends only the changed fields, with the version it edited', async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const original = product({ version: 7 });
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('manager'),
      'GET /api/v1/products': { items: [original] },
      'GET /api/v1/products/:sku': original,
      'PATCH /api/v1/products/:sku': ({ body }) => ({
        body: { ...original, ...(body as object), version: 8 },
      }),
      'GET /api/v1/stock/:sku': { sku: original.sku, totals: original.stock, locations: [] },
      'GET /api/v1/stock/:sku/movements': { items: [], nextCursor: null },
      'GET /api/v1/stock/:sku/history': [],
    });
    const { user, location } = renderApp(`/products/${original.sku}/edit`);
    const price = await screen.findByLabelText('Price');

    // Act
    await user.clear(price);
    await user.type(price, '24.50');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    // Assess
    await waitFor(() => expect(location()).toBe(`/products/${original.sku}`));
    const patch = api.to('PATCH', `/api/v1/products/${original.sku}`)[0];
    expect(patch?.body).toEqual({ price: { amount: 2450, currency: 'USD' } });
    expect(patch?.headers.get('if-match')).toBe('"7"');
  });

  it('tells a viewer they may not change products', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    fakeApi({ 'GET /api/v1/auth/me': demoUser('viewer'), 'GET /api/v1/products': { items: [] } });

    // Act
    renderApp('/products/new');

    // Assess
    expect(await screen.findByText("You don't have permission to change products.")).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create product' })).toBeNull();
  });
});
