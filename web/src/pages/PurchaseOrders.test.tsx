import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PurchaseOrderInput } from '../api/types.ts';
import { demoUser, fakeApi, json, problem, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { purchaseOrder, purchaseOrderDetail, supplier } from './purchasing.fixtures.ts';

const orders = [
  purchaseOrder(),
  purchaseOrder({ id: 'PO-02', status: 'AWAITING_APPROVAL', supplierId: 'bolt', needsApproval: true }),
  purchaseOrder({ id: 'PO-03', status: 'RECEIVED' }),
];
const suppliers = { items: [supplier(), supplier({ id: 'bolt', name: 'Bolt Supply' })] };

describe('purchase orders', () => {
  it('filters by status chips and by supplier on the server, read-only for a viewer', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/suppliers': suppliers,
      'GET /api/v1/purchase-orders': ({ query }) => ({
        body: {
          items: orders.filter(
            (o) =>
              (!query.get('status') || o.status === query.get('status')) &&
              (!query.get('supplierId') || o.supplierId === query.get('supplierId')),
          ),
          nextCursor: null,
        },
      }),
    });
    const { user, location } = renderApp('/purchasing/orders');
    const table = await screen.findByRole('table', { name: 'Purchase orders, newest first' });
    const first = within(table).getByRole('link', { name: 'PO-01' }).closest('tr')!;
    expect(first.textContent).toContain('Acme Textiles');
    expect(first.textContent).toContain('0 / 48');
    expect(first.textContent).toContain('$198.00');
    expect(screen.getByRole('button', { name: 'All' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.queryByRole('button', { name: /New purchase order/ })).toBeNull();

    // Act 1: a status chip
    await user.click(screen.getByRole('button', { name: 'Awaiting approval' }));

    // Assess 1
    await waitFor(() => expect(screen.queryByRole('link', { name: 'PO-01' })).toBeNull());
    expect(screen.getByRole('link', { name: 'PO-02' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Awaiting approval' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(location()).toBe('/purchasing/orders?status=AWAITING_APPROVAL');

    // Act 2: all statuses again, one supplier
    await user.click(screen.getByRole('button', { name: 'All' }));
    await user.selectOptions(screen.getByLabelText('Supplier'), 'acme');

    // Assess 2
    await waitFor(() => expect(screen.queryByRole('link', { name: 'PO-02' })).toBeNull());
    expect(screen.getByRole('link', { name: 'PO-03' })).toBeTruthy();
    expect(
      api.calls.some((c) => c.path === '/api/v1/purchase-orders' && c.query.get('supplierId') === 'acme'),
    ).toBe(true);
    expect(location()).toBe('/purchasing/orders?supplierId=acme');
  });

  it('lets a manager create one by hand; a SKU the supplier does not sell is named on its line', async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('manager'),
      'GET /api/v1/suppliers': suppliers,
      'GET /api/v1/locations': { items: [{ id: 'main', name: 'Main warehouse' }] },
      'GET /api/v1/purchase-orders': { items: [], nextCursor: null },
      'POST /api/v1/purchase-orders': ({ body }) => {
        const input = body as PurchaseOrderInput;
        const unknown = input.lines.findIndex((l) => l.sku === 'MUG-X');
        if (unknown >= 0)
          return problem(422, 'Unprocessable', 'bolt has no item for MUG-X', [
            { field: `lines[${unknown}].sku`, message: 'Bolt Supply does not sell MUG-X' },
          ]);
        return json(purchaseOrder({ id: 'PO-NEW', supplierId: input.supplierId, origin: 'manual' }), 201);
      },
      'GET /api/v1/purchase-orders/PO-NEW': purchaseOrderDetail({ id: 'PO-NEW', supplierId: 'bolt' }),
      'GET /api/v1/suppliers/bolt': supplier({ id: 'bolt', name: 'Bolt Supply' }),
    });
    const { user, location } = renderApp('/purchasing/orders');
    await user.click(await screen.findByRole('button', { name: /New purchase order/ }));
    const dialog = screen.getByRole('dialog', { name: 'New purchase order' });
    await user.selectOptions(within(dialog).getByLabelText('Supplier'), 'bolt');
    await user.type(within(dialog).getByLabelText('SKU, line 1'), 'TEE-S');
    await user.type(within(dialog).getByLabelText('Quantity, line 1'), '24');
    await user.click(within(dialog).getByRole('button', { name: /Add line/ }));
    await user.type(within(dialog).getByLabelText('SKU, line 2'), 'MUG-X');
    await user.type(within(dialog).getByLabelText('Quantity, line 2'), '6');

    // Act 1
    await user.click(within(dialog).getByRole('button', { name: 'Create and send' }));

    // Assess 1
    expect(await within(dialog).findByText('Bolt Supply does not sell MUG-X')).toBeTruthy();
    expect(within(dialog).getByLabelText('SKU, line 2').getAttribute('aria-invalid')).toBe('true');
    expect(within(dialog).getByLabelText('SKU, line 1').getAttribute('aria-invalid')).toBe('false');

    // Act 2
    await user.click(within(dialog).getByRole('button', { name: 'Remove line 2' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create and send' }));

    // Assess 2
    await waitFor(() => expect(location()).toBe('/purchasing/orders/PO-NEW'));
    const posts = api.to('POST', '/api/v1/purchase-orders');
    expect(posts[1]?.body).toEqual({
      supplierId: 'bolt',
      locationId: 'main',
      lines: [{ sku: 'TEE-S', quantity: 24 }],
    });
    expect(posts[1]?.headers.get('idempotency-key')).not.toBe(posts[0]?.headers.get('idempotency-key'));
    expect(await screen.findByRole('heading', { name: 'Purchase order PO-NEW' })).toBeTruthy();
  });
});
