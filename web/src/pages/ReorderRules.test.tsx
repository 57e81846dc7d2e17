import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ReorderRule, ReorderRuleInput } from '../api/types.ts';
import { demoUser, fakeApi, type Handler, problem, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { reorderRule, supplier } from './purchasing.fixtures.ts';
import { FORECAST_NOTE } from './ReorderRules.tsx';

function serve(
  role: 'manager' | 'viewer',
  rules: () => ReorderRule[],
  extra: Record<string, Handler | object> = {},
) {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/reorder-rules': ({ query }) => ({
      body: { items: rules().filter((r) => !query.get('sku') || r.sku === query.get('sku')) },
    }),
    'GET /api/v1/suppliers': {
      items: [supplier(), supplier({ id: 'bolt', name: 'Bolt Supply', currency: 'USD' })],
    },
    'GET /api/v1/locations': {
      items: [
        { id: 'main', name: 'Main warehouse' },
        { id: 'eu', name: 'EU hub' },
      ],
    },
    ...extra,
  });
}

const cells = (row: HTMLElement) => Array.from(row.querySelectorAll('td')).map((td) => td.textContent);

describe('reorder rules', () => {
  it('shows per product what is available, on order (counted and later) and what would be ordered now', async () => {
    // Prepare
    serve('viewer', () => [
      reorderRule(),
      reorderRule({
        sku: 'CAP-RED',
        position: undefined,
        fallbackSupplierId: undefined,
        approvalThreshold: undefined,
        snoozedUntil: '2099-01-31T23:59:59.000Z',
      }),
    ]);

    // Act
    renderApp('/purchasing/reorder-rules');

    // Assess
    const table = await screen.findByRole('table', { name: 'Reorder rules per product and location' });
    // The position figures are grouped under one header, each in its own column.
    expect(within(table).getByRole('columnheader', { name: 'Stock position' }).getAttribute('scope')).toBe(
      'colgroup',
    );
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent),
    ).toEqual([
      'Product',
      'Rule',
      'Suppliers',
      'Stock position',
      'Available',
      'On order counted / later',
      'Suggested',
      'Forecast',
    ]);
    const tee = within(table).getByRole('link', { name: 'TEE-S' }).closest('tr')!;
    // Each row is headed by its product at its location.
    expect(within(tee).getByRole('rowheader').textContent).toBe('TEE-S at main');
    expect(cells(tee)).toEqual([
      'min 10 → max 50 multiple 6',
      'Acme Textiles, then Bolt Supply Approval from $500.00',
      '4',
      '12 / 20',
      '36',
      `—${FORECAST_NOTE}`,
    ]);
    // The forecast says why it is empty instead of showing a made-up figure.
    expect(within(tee).getByTitle(FORECAST_NOTE)).toBeTruthy();
    const cap = within(table).getByRole('link', { name: 'CAP-RED' }).closest('tr')!;
    expect(cells(cap)).toEqual([
      'min 10 → max 50 multiple 6',
      'Acme Textiles Snoozed until Jan 31',
      'not seen yet',
      '—',
      `—${FORECAST_NOTE}`,
    ]);
    expect(within(cap).getByTitle(/^No automatic order before /)).toBeTruthy();
    expect(within(table).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('button', { name: /New rule/ })).toBeNull();
  });

  it('lets a manager create a rule, refusing a max under the min and showing the server’s field errors', async () => {
    // Prepare
    const saved: ReorderRule[] = [];
    let refuseOnce = true;
    const api = serve('manager', () => saved, {
      'PUT /api/v1/reorder-rules/:sku': ({ params, body }) => {
        if (refuseOnce) {
          refuseOnce = false;
          return problem(400, 'Invalid request', 'snoozedUntil: must be in the future', [
            { field: 'snoozedUntil', message: 'must be in the future' },
          ]);
        }
        const rule = {
          ...reorderRule({ position: undefined }),
          ...(body as ReorderRuleInput),
          sku: params.sku!,
        };
        saved.push(rule as ReorderRule);
        return { body: rule };
      },
    });
    const { user } = renderApp('/purchasing/reorder-rules');
    await user.click(await screen.findByRole('button', { name: /New rule/ }));
    const dialog = screen.getByRole('dialog', { name: 'New reorder rule' });
    await user.type(within(dialog).getByLabelText('SKU'), 'tee-s');
    await waitFor(() => expect(within(dialog).getByRole('option', { name: 'EU hub' })).toBeTruthy());
    await user.selectOptions(within(dialog).getByLabelText('Location'), 'eu');
    await user.type(within(dialog).getByLabelText('Min'), '10');
    await user.type(within(dialog).getByLabelText('Max'), '8');
    const multiple = within(dialog).getByLabelText('Multiple');
    await user.clear(multiple);
    await user.type(multiple, '6');
    await user.selectOptions(within(dialog).getByLabelText('Preferred supplier'), 'acme');
    await user.selectOptions(within(dialog).getByLabelText('Fallback supplier (optional)'), 'bolt');
    await user.type(within(dialog).getByLabelText('Approval from (USD, optional)'), '500');
    await user.type(within(dialog).getByLabelText('Snooze until (optional)'), '2030-01-31');

    // Act 1: max under min is caught before anything is sent
    await user.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    expect(within(dialog).getByText('Must be greater than the minimum')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/reorder-rules/TEE-S')).toHaveLength(0);

    // Act 2: the server refuses a field; it shows under that input
    const max = within(dialog).getByLabelText('Max');
    await user.clear(max);
    await user.type(max, '50');
    await user.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    expect(await within(dialog).findByText('must be in the future')).toBeTruthy();
    expect(within(dialog).getByLabelText('Snooze until (optional)').getAttribute('aria-invalid')).toBe(
      'true',
    );

    // Act 3: saved
    await user.click(within(dialog).getByRole('button', { name: 'Save rule' }));

    // Assess
    expect(await screen.findByText('Reorder rule of TEE-S at eu saved')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/reorder-rules/TEE-S')[1]?.body).toEqual({
      locationId: 'eu',
      min: 10,
      max: 50,
      multiple: 6,
      preferredSupplierId: 'acme',
      fallbackSupplierId: 'bolt',
      approvalThreshold: { amount: 50000, currency: 'USD' },
      snoozedUntil: '2030-01-31T23:59:59.000Z',
    });
    const table = await screen.findByRole('table', { name: 'Reorder rules per product and location' });
    expect(within(table).getByRole('link', { name: 'TEE-S' })).toBeTruthy();
  });

  it('deletes the rule of one location', async () => {
    // Prepare
    let rules = [reorderRule({ locationId: 'eu' })];
    const api = serve('manager', () => rules, {
      'DELETE /api/v1/reorder-rules/:sku': () => {
        rules = [];
        return new Response(null, { status: 204 });
      },
    });
    const { user } = renderApp('/purchasing/reorder-rules?sku=TEE-S');

    // Act
    await user.click(await screen.findByRole('button', { name: 'Delete the rule of TEE-S at eu' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete' }));

    // Assess
    expect(await screen.findByText('Reorder rule of TEE-S at eu deleted')).toBeTruthy();
    const call = api.to('DELETE', '/api/v1/reorder-rules/TEE-S')[0];
    expect(call?.query.get('locationId')).toBe('eu');
    expect(await screen.findByText('No reorder rules.')).toBeTruthy();
    expect(api.calls.some((c) => c.path === '/api/v1/reorder-rules' && c.query.get('sku') === 'TEE-S')).toBe(
      true,
    );
  });

  it('loads the next page of rules on request, following the cursor', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/reorder-rules': ({ query }) => ({
        body: query.get('cursor')
          ? { items: [reorderRule({ sku: 'CAP-RED' })], nextCursor: null }
          : { items: [reorderRule()], nextCursor: 'page-2' },
      }),
      'GET /api/v1/suppliers': { items: [supplier()] },
      'GET /api/v1/locations': { items: [] },
    });
    const { user } = renderApp('/purchasing/reorder-rules');
    await screen.findByRole('link', { name: 'TEE-S' });

    // Act
    await user.click(screen.getByRole('button', { name: 'More rules' }));

    // Assess
    expect(await screen.findByRole('link', { name: 'CAP-RED' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'TEE-S' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'More rules' })).toBeNull();
    expect(
      api.calls.some((c) => c.path === '/api/v1/reorder-rules' && c.query.get('cursor') === 'page-2'),
    ).toBe(true);
  });
});
