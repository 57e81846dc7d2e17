import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Movement, StockView } from '../api/types.ts';
import { demoUser, fakeApi, json, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { purchaseOrder, reorderRule } from './purchasing.fixtures.ts';

const tee = product({
  sku: 'TEE-S',
  name: 'T-shirt S',
  stock: { onHand: 9, reserved: 2, available: 5, incoming: 0 },
});
const view = (onHand: number): StockView => ({
  sku: 'TEE-S',
  totals: { onHand, reserved: 2, available: onHand - 4, incoming: 0, shortfall: 0 },
  locations: [
    {
      locationId: 'main',
      onHand,
      reserved: 2,
      incoming: 0,
      safetyStock: 2,
      available: onHand - 4,
      shortfall: 0,
      reorderPoint: 10,
      thresholds: 'product',
      updatedAt: '2024-05-03T09:00:00.000Z',
    },
  ],
});
const damaged: Movement = {
  id: 'm-2',
  sku: 'TEE-S',
  locationId: 'main',
  kind: 'adjust',
  deltas: { onHand: -3, reserved: 0, incoming: 0 },
  after: { onHand: 6, reserved: 2, incoming: 0, safetyStock: 2, available: 2 },
  reason: 'damaged',
  note: 'torn in transit',
  actor: 'warehouse@azura.local',
  at: '2024-05-03T10:00:00.000Z',
};

const onHandFigure = () =>
  screen.getByText('On hand', { selector: '.stat-label' }).nextElementSibling?.textContent;

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('product detail and stock actions', () => {
  it('adjusts stock for a reason: the figure changes at once and the ledger shows who and why', async () => {
    // Prepare
    signedInAs(demoUser('warehouse'));
    let stockNow = view(9);
    const movements: Movement[] = [];
    const reply = deferred<Response>();
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('warehouse'),
      'GET /api/v1/products/TEE-S': tee,
      'GET /api/v1/stock/TEE-S': () => ({ body: stockNow }),
      'GET /api/v1/stock/TEE-S/movements': () => ({ body: { items: movements, nextCursor: null } }),
      'GET /api/v1/stock/TEE-S/history': [
        { date: '2024-05-02', onHand: 9 },
        { date: '2024-05-03', onHand: 9 },
      ],
      'GET /api/v1/locations': { items: [{ id: 'main', name: 'Main warehouse' }] },
      'POST /api/v1/stock/TEE-S/adjustments': () => reply.promise,
    });
    const { user } = renderApp('/products/TEE-S');
    await screen.findByRole('heading', { name: 'T-shirt S' });
    await waitFor(() => expect(onHandFigure()).toBe('9'));
    expect(screen.queryByRole('link', { name: /Edit/ })).toBeNull();

    // Act
    await user.click(screen.getByRole('button', { name: 'Adjust' }));
    const dialog = screen.getByRole('dialog', { name: 'Stock of T-shirt S' });
    await user.type(within(dialog).getByLabelText('Quantity'), '3');
    await user.selectOptions(within(dialog).getByLabelText('Reason'), 'damaged');
    await user.type(within(dialog).getByLabelText('Note (optional)'), 'torn in transit');
    await user.click(within(dialog).getByRole('button', { name: 'Adjust' }));

    // Assess: optimistic first
    await waitFor(() => expect(onHandFigure()).toBe('6'));
    const post = api.to('POST', '/api/v1/stock/TEE-S/adjustments')[0];
    expect(post?.body).toEqual({ locationId: 'main', delta: -3, reason: 'damaged', note: 'torn in transit' });
    expect(post?.headers.get('idempotency-key')).toMatch(/^[\w.:-]{1,128}$/);

    // Then confirmed, with the ledger line
    stockNow = view(6);
    movements.unshift(damaged);
    reply.resolve(json({ movement: damaged, level: stockNow.locations[0] }, 201));
    expect(await screen.findByText('TEE-S: removed 3 at main')).toBeTruthy();
    const ledger = await screen.findByRole('table', { name: /Stock movements of TEE-S/ });
    const line = await within(ledger).findByRole('cell', { name: 'warehouse@azura.local' });
    expect(line.closest('tr')?.textContent).toContain('Damaged · torn in transit');
    expect(line.closest('tr')?.textContent).toContain('-3');
    expect(onHandFigure()).toBe('6');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('undoes the optimistic change and says why on a conflict, and a retry reuses the same key', async () => {
    // Prepare
    signedInAs(demoUser('warehouse'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('warehouse'),
      'GET /api/v1/products/TEE-S': tee,
      'GET /api/v1/stock/TEE-S': view(9),
      'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
      'GET /api/v1/stock/TEE-S/history': [],
      'GET /api/v1/locations': { items: [{ id: 'main', name: 'Main warehouse' }] },
      'POST /api/v1/stock/TEE-S/adjustments': problem(409, 'Conflict', 'onHand would go below zero'),
    });
    const { user } = renderApp('/products/TEE-S');
    await waitFor(() => expect(onHandFigure()).toBe('9'));

    // Act
    await user.click(screen.getByRole('button', { name: 'Adjust' }));
    const dialog = screen.getByRole('dialog');
    await user.type(within(dialog).getByLabelText('Quantity'), '20');
    await user.click(within(dialog).getByRole('button', { name: 'Adjust' }));

    // Assess
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('Not saved: the stock changed meanwhile or would go below zero.');
    expect(alert.textContent).toContain('onHand would go below zero');
    expect(onHandFigure()).toBe('9');

    await user.click(within(dialog).getByRole('button', { name: 'Adjust' }));
    await waitFor(() => expect(api.to('POST', '/api/v1/stock/TEE-S/adjustments')).toHaveLength(2));
    const [first, second] = api.to('POST', '/api/v1/stock/TEE-S/adjustments');
    expect(second?.headers.get('idempotency-key')).toBe(first?.headers.get('idempotency-key'));
  });

  it('receives, counts and transfers with the bodies the stock API expects', async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('manager'),
      'GET /api/v1/products/TEE-S': tee,
      'GET /api/v1/stock/TEE-S': view(9),
      'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
      'GET /api/v1/stock/TEE-S/history': [],
      'GET /api/v1/locations': {
        items: [
          { id: 'main', name: 'Main warehouse' },
          { id: 'store-1', name: 'Store 1' },
        ],
      },
      'POST /api/v1/stock/TEE-S/receipts': { body: {}, status: 201 },
      'POST /api/v1/stock/TEE-S/counts': { body: {}, status: 201 },
      'POST /api/v1/stock/TEE-S/transfers': { body: {}, status: 201 },
    });
    const { user } = renderApp('/products/TEE-S');
    await waitFor(() => expect(onHandFigure()).toBe('9'));

    // Act
    await user.click(screen.getByRole('button', { name: 'Receive' }));
    await user.type(screen.getByLabelText('Quantity received'), '12');
    await user.type(screen.getByLabelText('Reference (optional)'), 'PO-77');
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Receive' }));
    await screen.findByText('TEE-S: received 12 at main');

    await user.click(screen.getByRole('button', { name: 'Count' }));
    await user.type(screen.getByLabelText('Counted quantity'), '0');
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Count' }));
    await screen.findByText('TEE-S: counted 0 at main');

    await user.click(screen.getByRole('button', { name: 'Transfer' }));
    await user.selectOptions(await screen.findByLabelText('To location'), 'store-1');
    await user.type(screen.getByLabelText('Quantity to move'), '4');
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Transfer' }));
    await screen.findByText('TEE-S: moved 4 from main to store-1');

    // Assess
    expect(api.to('POST', '/api/v1/stock/TEE-S/receipts')[0]?.body).toEqual({
      locationId: 'main',
      quantity: 12,
      reference: 'PO-77',
    });
    expect(api.to('POST', '/api/v1/stock/TEE-S/counts')[0]?.body).toEqual({
      locationId: 'main',
      countedQuantity: 0,
    });
    expect(api.to('POST', '/api/v1/stock/TEE-S/transfers')[0]?.body).toEqual({
      fromLocationId: 'main',
      toLocationId: 'store-1',
      quantity: 4,
    });
  });

  it('shows a viewer the product, its stock per location and history, with no action buttons', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/products/TEE-S': tee,
      'GET /api/v1/stock/TEE-S': view(9),
      'GET /api/v1/stock/TEE-S/movements': { items: [damaged], nextCursor: null },
      'GET /api/v1/stock/TEE-S/history': [
        { date: '2024-05-02', onHand: 12 },
        { date: '2024-05-03', onHand: 9 },
      ],
    });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    expect(await screen.findByText('A blue T-shirt, size M')).toBeTruthy();
    const perLocation = await screen.findByRole('table', { name: 'Stock per location' });
    expect(within(perLocation).getByRole('rowheader', { name: 'main' })).toBeTruthy();
    expect(
      await screen.findByRole('img', { name: /Units on hand per day: from 12 on .* to 9 on/ }),
    ).toBeTruthy();
    for (const name of ['Adjust', 'Count', 'Receive', 'Transfer', 'Edit', 'Delete', 'Upload image']) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    expect(screen.queryByLabelText(/Upload image/)).toBeNull();
    expect(screen.queryByText(/Short by/)).toBeNull();
  });

  it('flags a level with less on hand than is reserved, in red and in words, per location and in total', async () => {
    // Prepare: a count found 1 at main where 3 are reserved; east is fine
    signedInAs(demoUser('viewer'));
    const level = {
      incoming: 0,
      safetyStock: 0,
      reorderPoint: 10,
      thresholds: 'product' as const,
      updatedAt: '2024-05-03T09:00:00.000Z',
    };
    fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/products/TEE-S': tee,
      'GET /api/v1/stock/TEE-S': {
        sku: 'TEE-S',
        totals: { onHand: 6, reserved: 3, available: 3, incoming: 0, shortfall: 2 },
        locations: [
          { ...level, locationId: 'main', onHand: 1, reserved: 3, available: -2, shortfall: 2 },
          { ...level, locationId: 'east', onHand: 5, reserved: 0, available: 5, shortfall: 0 },
        ],
      } satisfies StockView,
      'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
      'GET /api/v1/stock/TEE-S/history': [],
    });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    const perLocation = await screen.findByRole('table', { name: 'Stock per location' });
    const main = within(perLocation).getByRole('rowheader', { name: /main/ });
    expect(within(main).getByText('Short by 2').className).toContain('badge-danger');
    expect(
      within(within(perLocation).getByRole('rowheader', { name: /east/ })).queryByText(/Short/),
    ).toBeNull();
    expect(screen.getByText(/Shortfall: 2 reserved units are not on hand/)).toBeTruthy();
    expect(screen.getByText(/some of them may fail to commit/)).toBeTruthy();
  });

  it('shows the reorder rule and the open purchase orders of the product, with the units incoming', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/products/TEE-S': tee,
      'GET /api/v1/stock/TEE-S': {
        ...view(9),
        totals: { ...view(9).totals, incoming: 36 },
        locations: [{ ...view(9).locations[0]!, incoming: 36 }],
      },
      'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
      'GET /api/v1/stock/TEE-S/history': [],
      'GET /api/v1/reorder-rules': { items: [reorderRule()] },
      'GET /api/v1/purchase-orders': {
        items: [purchaseOrder(), purchaseOrder({ id: 'PO-OLD', status: 'RECEIVED' })],
        nextCursor: null,
      },
    });

    // Act
    renderApp('/products/TEE-S');

    // Assess
    const panel = (await screen.findByRole('heading', { name: 'Reorder rule' })).closest('section')!;
    expect(
      await within(panel).findByText(/order up to 50 when available \+ on order falls to 10, from acme/),
    ).toBeTruthy();
    expect(panel.textContent).toContain('36 would be ordered now');
    expect(within(panel).getByRole('link', { name: 'Open the rule' }).getAttribute('href')).toBe(
      '/purchasing/reorder-rules?sku=TEE-S',
    );
    const open = await within(panel).findByRole('table', { name: 'Open purchase orders of TEE-S' });
    expect(within(open).getByRole('link', { name: 'PO-01' })).toBeTruthy();
    expect(within(open).queryByRole('link', { name: 'PO-OLD' })).toBeNull();
    expect(within(open).getByRole('link', { name: 'PO-01' }).closest('tr')?.textContent).toContain('0 / 36');
    expect(api.calls.find((c) => c.path === '/api/v1/purchase-orders')?.query.get('sku')).toBe('TEE-S');
    expect(screen.getByText('Incoming', { selector: '.stat-label' }).nextElementSibling?.textContent).toBe(
      '36',
    );
  });
});
