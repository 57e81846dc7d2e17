import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Supplier, SupplierItem, SupplierItemInput } from '../api/types.ts';
import { demoUser, fakeApi, type Handler, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { purchaseOrder, supplier, supplierItem } from './purchasing.fixtures.ts';

function serve(
  role: 'admin' | 'manager' | 'viewer',
  s: () => Supplier,
  items: () => SupplierItem[],
  extra: Record<string, Handler | object> = {},
) {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/suppliers/acme': () => ({ body: s() }),
    'GET /api/v1/suppliers/acme/items': () => ({ body: { items: items() } }),
    'GET /api/v1/purchase-orders': { items: [purchaseOrder()], nextCursor: null },
    ...extra,
  });
}

describe('supplier detail', () => {
  it('shows observed against promised lead time, the on-time rate, its items and recent purchase orders', async () => {
    // Prepare
    const api = serve(
      'viewer',
      () => supplier(),
      () => [supplierItem()],
    );

    // Act
    renderApp('/purchasing/suppliers/acme');

    // Assess
    expect(await screen.findByRole('heading', { name: 'Acme Textiles' })).toBeTruthy();
    const performance = screen.getByRole('heading', { name: 'Performance' }).parentElement!;
    expect(within(performance).getByText('Promised lead time').nextElementSibling?.textContent).toBe(
      '5 days',
    );
    expect(within(performance).getByText('Observed lead time').nextElementSibling?.textContent).toBe(
      '6.5 days',
    );
    expect(performance.textContent).toContain('1.5 days slower than promised');
    expect(within(performance).getByText('On time').nextElementSibling?.textContent).toBe('80 %');
    expect(performance.textContent).toContain('of 10 receipt lines');
    const items = await screen.findByRole('table', { name: 'Items of Acme Textiles' });
    const row = within(items).getByRole('link', { name: 'TEE-S' }).closest('tr')!;
    expect(row.textContent).toContain('AC-TEE-S');
    expect(row.textContent).toContain('from 100: $4.00');
    // Promised (the supplier's own, the item sets none) / observed.
    const lead = within(row).getByText('5 days / 4 days').closest('td')!;
    expect(lead.textContent).toContain("the supplier's");
    expect(within(row).queryByRole('button')).toBeNull();
    const recent = await screen.findByRole('table', { name: 'Recent purchase orders of Acme Textiles' });
    expect(within(recent).getByRole('link', { name: 'PO-01' })).toBeTruthy();
    expect(api.calls.find((c) => c.path === '/api/v1/purchase-orders')?.query.get('supplierId')).toBe('acme');
    expect(screen.queryByRole('button', { name: /Rotate secret/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Edit/ })).toBeNull();
  });

  it("lets a manager change an item's cost, pack size and price breaks", async () => {
    // Prepare
    let items = [supplierItem()];
    const api = serve(
      'manager',
      () => supplier(),
      () => items,
      {
        'PUT /api/v1/suppliers/acme/items/:sku': ({ params, body }) => {
          items = [{ ...supplierItem(), ...(body as SupplierItemInput), sku: params.sku! }];
          return { body: items[0] };
        },
      },
    );
    const { user } = renderApp('/purchasing/suppliers/acme');
    const edit = await screen.findByRole('button', { name: 'Edit TEE-S' });
    expect(screen.queryByRole('button', { name: /Rotate secret/ })).toBeNull();

    // Act
    await user.click(edit);
    const dialog = screen.getByRole('dialog', { name: 'Edit TEE-S at Acme Textiles' });
    const cost = within(dialog).getByLabelText('Unit cost (USD)');
    expect((cost as HTMLInputElement).value).toBe('4.50');
    await user.clear(cost);
    await user.type(cost, '4.25');
    const pack = within(dialog).getByLabelText('Pack of');
    await user.clear(pack);
    await user.type(pack, '12');
    await user.click(within(dialog).getByRole('button', { name: /Add price break/ }));
    await user.type(within(dialog).getByLabelText('From quantity, break 2'), '500');
    await user.type(within(dialog).getByLabelText('Unit cost (USD), break 2'), '3.5');
    await user.click(within(dialog).getByRole('button', { name: 'Save item' }));

    // Assess
    expect(await screen.findByText('TEE-S saved for Acme Textiles')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/suppliers/acme/items/TEE-S')[0]?.body).toEqual({
      supplierSku: 'AC-TEE-S',
      unitCost: { amount: 425, currency: 'USD' },
      minOrderQty: 10,
      packMultiple: 12,
      priceBreaks: [
        { minQty: 100, unitCost: { amount: 400, currency: 'USD' } },
        { minQty: 500, unitCost: { amount: 350, currency: 'USD' } },
      ],
    });
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Items of Acme Textiles' })).getByText('$4.25'),
      ).toBeTruthy(),
    );
  });

  it('lets an admin rotate the signing secret: shown once, the old one valid 24 hours more', async () => {
    // Prepare
    const api = serve(
      'admin',
      () => supplier(),
      () => [],
      {
        'POST /api/v1/suppliers/acme/rotate-secret': {
          secret: 'whsec_NEWNEWNEWNEWNEWNEWNEWNEWNEWNEWNE',
          previousValidUntil: '2024-05-04T09:00:00.000Z',
        },
      },
    );
    const { user } = renderApp('/purchasing/suppliers/acme');

    // Act
    await user.click(await screen.findByRole('button', { name: /Rotate secret/ }));
    const confirm = screen.getByRole('dialog', { name: 'Rotate the signing secret of Acme Textiles?' });
    await user.click(within(confirm).getByRole('button', { name: 'Rotate secret' }));

    // Assess
    const shown = await screen.findByRole('dialog', { name: 'New signing secret of Acme Textiles' });
    expect((within(shown).getByLabelText('Signing secret') as HTMLInputElement).value).toBe(
      'whsec_NEWNEWNEWNEWNEWNEWNEWNEWNEWNEWNE',
    );
    expect(shown.textContent).toContain('you will not see it again');
    expect(shown.textContent).toContain('The previous secret keeps working until');
    expect(shown.textContent).toContain('(24 hours)');
    expect(api.to('POST', '/api/v1/suppliers/acme/rotate-secret')).toHaveLength(1);
  });

  it('explains a webhook disabled by 410 Gone and lets a manager enable it again', async () => {
    // Prepare
    let current = supplier({ webhookStatus: 'disabled' });
    const api = serve(
      'manager',
      () => current,
      () => [],
      {
        'PATCH /api/v1/suppliers/acme': ({ body }) => {
          current = { ...current, ...(body as object), webhookStatus: 'enabled' };
          return { body: current };
        },
      },
    );
    const { user } = renderApp('/purchasing/suppliers/acme');
    expect(
      await screen.findByText(/no purchase order goes to Acme Textiles until it is set again/),
    ).toBeTruthy();

    // Act
    await user.click(screen.getByRole('button', { name: 'Enable the webhook again' }));

    // Assess
    expect(await screen.findByText('Webhook of Acme Textiles enabled again')).toBeTruthy();
    expect(api.to('PATCH', '/api/v1/suppliers/acme')[0]?.body).toEqual({
      webhookUrl: 'https://acme.example/webhooks/azura',
    });
    expect(screen.queryByText(/until it is set again/)).toBeNull();
  });
});
