import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { LocationThresholds, StockLevel, StockView } from '../api/types.ts';
import { demoUser, fakeApi, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';

const tee = product({ sku: 'TEE-S', name: 'T-shirt S', reorderPoint: 10, safetyStock: 2 });

const level = (locationId: string, overrides: Partial<StockLevel> = {}): StockLevel => ({
  locationId,
  onHand: 20,
  reserved: 0,
  incoming: 0,
  safetyStock: 2,
  available: 18,
  shortfall: 0,
  reorderPoint: 10,
  thresholds: 'product',
  updatedAt: '2024-05-03T09:00:00.000Z',
  ...overrides,
});

function productWithLevels(role: 'manager' | 'warehouse', reply?: () => Response | undefined) {
  signedInAs(demoUser(role));
  const levels = {
    main: level('main'),
    north: level('north', { reorderPoint: 25, safetyStock: 2, thresholds: 'location' }),
  };
  const view = (): StockView => ({
    sku: 'TEE-S',
    totals: { onHand: 40, reserved: 0, available: 36, incoming: 0, shortfall: 0 },
    locations: [levels.main, levels.north],
  });
  const api = fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/products/TEE-S': tee,
    'GET /api/v1/stock/TEE-S': () => ({ body: view() }),
    'GET /api/v1/stock/TEE-S/movements': { items: [], nextCursor: null },
    'GET /api/v1/stock/TEE-S/history': [],
    'GET /api/v1/reorder-rules': { items: [] },
    'GET /api/v1/purchase-orders': { items: [] },
    'PUT /api/v1/stock/TEE-S/locations/:locationId/thresholds': ({ params, body }) => {
      const failure = reply?.();
      if (failure) return failure;
      const t = body as LocationThresholds;
      const id = params.locationId as 'main' | 'north';
      levels[id] = {
        ...levels[id],
        reorderPoint: t.reorderPoint ?? tee.reorderPoint,
        safetyStock: t.safetyStock ?? tee.safetyStock,
        thresholds: t.reorderPoint === null && t.safetyStock === null ? 'product' : 'location',
      };
      return { body: levels[id] };
    },
  });
  return api;
}

const locationRow = async (id: string) => {
  const table = await screen.findByRole('table', { name: 'Stock per location' });
  return within(table).getByRole('rowheader', { name: id }).closest('tr') as HTMLElement;
};

describe('thresholds per location', () => {
  it('shows which thresholds apply at each location', async () => {
    // Prepare
    productWithLevels('warehouse');

    // Act
    renderApp('/products/TEE-S');

    // Assess
    const main = await locationRow('main');
    expect(main.textContent).toContain("Product's");
    const north = await locationRow('north');
    expect(north.textContent).toContain("This location's");
    expect(north.textContent).toContain('25');
    expect(screen.queryByRole('button', { name: 'Edit thresholds at main' })).toBeNull();
  });

  it('lets a manager set a location’s reorder point, keeping the product’s safety stock', async () => {
    // Prepare
    const api = productWithLevels('manager');
    const { user } = renderApp('/products/TEE-S');

    // Act
    await user.click(
      within(await locationRow('main')).getByRole('button', { name: 'Edit thresholds at main' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'Thresholds at main' });
    expect(within(dialog).getByLabelText('Safety stock at this location')).toHaveProperty('value', '');
    await user.type(within(dialog).getByLabelText('Reorder point at this location'), '15');
    await user.click(within(dialog).getByRole('button', { name: 'Save thresholds' }));

    // Assess
    expect(await screen.findByText('Thresholds of TEE-S at main saved')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/stock/TEE-S/locations/main/thresholds')[0]?.body).toEqual({
      reorderPoint: 15,
      safetyStock: null,
    });
    await waitFor(async () => expect((await locationRow('main')).textContent).toContain("This location's"));
  });

  it('goes back to the product’s values, and shows the server’s field errors', async () => {
    // Prepare
    let refuse = true;
    const api = productWithLevels('manager', () =>
      refuse
        ? problem(422, 'Validation failed', undefined, [
            { field: 'body.reorderPoint', message: 'must be at most 1000000' },
          ])
        : undefined,
    );
    const { user } = renderApp('/products/TEE-S');
    await user.click(
      within(await locationRow('north')).getByRole('button', { name: 'Edit thresholds at north' }),
    );
    const dialog = screen.getByRole('dialog', { name: 'Thresholds at north' });
    expect(within(dialog).getByLabelText('Reorder point at this location')).toHaveProperty('value', '25');

    // Act: refused
    await user.click(within(dialog).getByRole('button', { name: 'Save thresholds' }));

    // Assess
    expect(await within(dialog).findByText('must be at most 1000000')).toBeTruthy();

    // Act: back to the product's
    refuse = false;
    await user.click(within(dialog).getByRole('button', { name: "Use the product's values" }));
    await user.click(within(dialog).getByRole('button', { name: 'Save thresholds' }));

    // Assess
    expect(await screen.findByText('Thresholds of TEE-S at north saved')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/stock/TEE-S/locations/north/thresholds').map((c) => c.body)).toEqual([
      { reorderPoint: 25, safetyStock: null },
      { reorderPoint: null, safetyStock: null },
    ]);
    await waitFor(async () => expect((await locationRow('north')).textContent).toContain("Product's"));
  });
});
