import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PurchaseOrderDetail } from '../api/types.ts';
import { demoUser, fakeApi, type Handler, json, problem, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { purchaseOrderDetail, supplier } from './purchasing.fixtures.ts';

function serve(
  role: 'admin' | 'manager' | 'warehouse' | 'viewer',
  po: () => PurchaseOrderDetail,
  extra: Record<string, Handler | object> = {},
) {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/purchase-orders/:id': () => ({ body: po() }),
    'GET /api/v1/suppliers/acme': supplier(),
    'GET /api/v1/locations': { items: [{ id: 'main', name: 'Main warehouse' }] },
    ...extra,
  });
}

const buttonNames = () =>
  within(screen.getByRole('heading', { level: 1 }).parentElement!)
    .queryAllByRole('button')
    .map((b) => b.textContent?.trim());

describe('purchase order detail', () => {
  it('shows lines ordered and received, receipts, who changed the status, the saga steps and the replacement', async () => {
    // Prepare
    serve('viewer', () =>
      purchaseOrderDetail({
        status: 'PARTIALLY_RECEIVED',
        supplierReference: 'ACME-7781',
        replacedBy: undefined,
        replaces: 'PO-00',
        origin: 'fallback',
        lines: [
          {
            sku: 'TEE-S',
            supplierSku: 'AC-TEE-S',
            quantity: 36,
            received: 20,
            unitCost: { amount: 450, currency: 'USD' },
          },
        ],
        receipts: [
          {
            receiptId: 'r-1',
            at: '2024-05-06T10:00:00.000Z',
            by: 'warehouse@azura.local',
            locationId: 'main',
            lines: [{ sku: 'TEE-S', quantity: 20 }],
            applied: true,
          },
        ],
        history: [
          { status: 'DRAFT', at: '2024-05-03T09:00:00.000Z', by: 'system' },
          { status: 'ACKNOWLEDGED', at: '2024-05-03T10:00:00.000Z', by: 'supplier:acme' },
          { status: 'PARTIALLY_RECEIVED', at: '2024-05-06T10:00:00.000Z', by: 'warehouse@azura.local' },
        ],
      }),
    );

    // Act
    renderApp('/purchasing/orders/PO-01');

    // Assess
    expect(await screen.findByRole('heading', { name: 'Purchase order PO-01' })).toBeTruthy();
    const line = within(screen.getByRole('table', { name: 'Purchase order lines' }))
      .getByRole('link', { name: 'TEE-S' })
      .closest('tr');
    expect(
      Array.from(line?.querySelectorAll('td') ?? [])
        .slice(1, 4)
        .map((td) => td.textContent),
    ).toEqual(['36', '20', '16']);
    expect(screen.getByText(/supplier reference ACME-7781/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'PO-00' }).getAttribute('href')).toBe('/purchasing/orders/PO-00');
    const receipts = screen.getByRole('heading', { name: 'Receipts' }).parentElement!;
    expect(receipts.textContent).toContain('TEE-S × 20');
    expect(within(receipts).getByText('In stock')).toBeTruthy();
    const history = screen.getByRole('heading', { name: 'Status history' }).parentElement!;
    expect(history.textContent).toContain('supplier acme');
    const steps = within(screen.getByRole('heading', { name: 'Saga timeline' }).parentElement!).getAllByRole(
      'listitem',
    );
    expect(steps.map((s) => s.querySelector('strong')?.textContent)).toEqual([
      'Begin',
      'Send to supplier',
      'Await supplier',
    ]);
    expect(steps[1]?.textContent).toContain('3 attempts');
    expect(buttonNames()).toEqual([]);
  });

  it('offers approve and reject to a manager while it waits for approval, and sends the note', async () => {
    // Prepare
    let po = purchaseOrderDetail({ status: 'AWAITING_APPROVAL', needsApproval: true, sentAt: undefined });
    const api = serve('manager', () => po, {
      'POST /api/v1/purchase-orders/:id/approve': () => {
        po = { ...po, status: 'SENT', approvedBy: 'manager@azura.local' };
        return { body: po };
      },
    });
    const { user } = renderApp('/purchasing/orders/PO-01');
    await screen.findByRole('heading', { name: 'Purchase order PO-01' });
    expect(buttonNames()).toEqual(['Approve', 'Reject', 'Cancel order']);

    // Act
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    const dialog = screen.getByRole('dialog', { name: 'Approve PO-01?' });
    await user.type(within(dialog).getByLabelText('Note (optional)'), 'budget ok');
    await user.click(within(dialog).getByRole('button', { name: 'Approve' }));

    // Assess
    expect(await screen.findByText('PO-01 approved: it goes to the supplier now')).toBeTruthy();
    const post = api.to('POST', '/api/v1/purchase-orders/PO-01/approve');
    expect(post).toHaveLength(1);
    expect(post[0]?.body).toEqual({ note: 'budget ok' });
    expect(post[0]?.headers.get('idempotency-key')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('Approved by manager@azura.local.')).toBeTruthy());
    expect(buttonNames()).toEqual(['Receive', 'Cancel order']);
  });

  it('shows a warehouse clerk only Receive, and a retry of the same receipt reuses its Idempotency-Key', async () => {
    // Prepare: the first attempt fails on the server's side, the second is booked
    let po = purchaseOrderDetail();
    let attempts = 0;
    const api = serve('warehouse', () => po, {
      'POST /api/v1/purchase-orders/:id/receipts': () => {
        attempts += 1;
        if (attempts === 1) return problem(503, 'Service unavailable', 'try again');
        po = {
          ...po,
          status: 'PARTIALLY_RECEIVED',
          lines: po.lines.map((l) => (l.sku === 'TEE-S' ? { ...l, received: 20 } : l)),
        };
        return json(po, 201);
      },
    });
    const { user } = renderApp('/purchasing/orders/PO-01');
    await screen.findByRole('heading', { name: 'Purchase order PO-01' });
    expect(buttonNames()).toEqual(['Receive']);

    // Act
    await user.click(screen.getByRole('button', { name: 'Receive' }));
    const dialog = screen.getByRole('dialog', { name: 'Receive PO-01' });
    const tee = within(dialog).getByLabelText('Received now of TEE-S');
    expect((tee as HTMLInputElement).value).toBe('36');
    await user.clear(tee);
    await user.type(tee, '20');
    await user.clear(within(dialog).getByLabelText('Received now of CAP-RED'));
    await user.click(within(dialog).getByRole('button', { name: 'Book receipt' }));
    expect(await within(dialog).findByText(/Not booked/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Book receipt' }));

    // Assess
    expect(await screen.findByText('PO-01: received 20 × TEE-S')).toBeTruthy();
    const posts = api.to('POST', '/api/v1/purchase-orders/PO-01/receipts');
    expect(posts).toHaveLength(2);
    expect(posts[0]?.body).toEqual({ lines: [{ sku: 'TEE-S', quantity: 20 }], confirmOverReceipt: false });
    const key = posts[0]?.headers.get('idempotency-key');
    expect(key).toBeTruthy();
    expect(posts[1]?.headers.get('idempotency-key')).toBe(key);
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() =>
      expect(screen.getByRole('heading', { level: 1 }).parentElement?.textContent).toContain(
        'Partially received',
      ),
    );
  });

  it('names the lines over what was ordered and receives them anyway once confirmed', async () => {
    // Prepare
    const api = serve('warehouse', () => purchaseOrderDetail(), {
      'POST /api/v1/purchase-orders/:id/receipts': ({ body }) =>
        (body as { confirmOverReceipt?: boolean }).confirmOverReceipt
          ? json(purchaseOrderDetail({ status: 'RECEIVED' }), 201)
          : problem(422, 'Unprocessable', 'over-receipt: TEE-S 40 of 36', [
              { field: 'lines.0.quantity', message: 'TEE-S: 40 received of 36 ordered' },
            ]),
    });
    const { user } = renderApp('/purchasing/orders/PO-01');
    await user.click(await screen.findByRole('button', { name: 'Receive' }));
    const dialog = screen.getByRole('dialog', { name: 'Receive PO-01' });
    const tee = within(dialog).getByLabelText('Received now of TEE-S');
    await user.clear(tee);
    await user.type(tee, '40');

    // Act
    await user.click(within(dialog).getByRole('button', { name: 'Book receipt' }));
    expect(await within(dialog).findByText(/TEE-S: 40 of 36 ordered \(4 over\)/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Receive anyway' }));

    // Assess
    expect(await screen.findByText('PO-01: received 40 × TEE-S, 12 × CAP-RED')).toBeTruthy();
    const posts = api.to('POST', '/api/v1/purchase-orders/PO-01/receipts');
    expect(posts.map((p) => (p.body as { confirmOverReceipt: boolean }).confirmOverReceipt)).toEqual([
      false,
      true,
    ]);
    // A confirmed receipt is another request body, so another action: its own key.
    expect(posts[1]?.headers.get('idempotency-key')).not.toBe(posts[0]?.headers.get('idempotency-key'));
  });

  it('books a double-clicked receipt once: one request, or the same Idempotency-Key on each', async () => {
    // Prepare: the server answers slowly
    let answer: (r: Response) => void = () => {};
    const api = serve('warehouse', () => purchaseOrderDetail(), {
      'POST /api/v1/purchase-orders/:id/receipts': () =>
        new Promise<Response>((resolve) => {
          answer = resolve;
        }),
    });
    const { user } = renderApp('/purchasing/orders/PO-01');
    await user.click(await screen.findByRole('button', { name: 'Receive' }));
    const dialog = screen.getByRole('dialog', { name: 'Receive PO-01' });

    // Act
    await user.dblClick(within(dialog).getByRole('button', { name: 'Book receipt' }));
    answer(json(purchaseOrderDetail({ status: 'RECEIVED' }), 201));

    // Assess
    expect(await screen.findByText('PO-01: received 36 × TEE-S, 12 × CAP-RED')).toBeTruthy();
    const keys = api
      .to('POST', '/api/v1/purchase-orders/PO-01/receipts')
      .map((p) => p.headers.get('idempotency-key'));
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(1);
  });
});
