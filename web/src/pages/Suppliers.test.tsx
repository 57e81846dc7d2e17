import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Supplier, SupplierInput } from '../api/types.ts';
import { demoUser, fakeApi, json, problem, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { supplier } from './purchasing.fixtures.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('suppliers', () => {
  it('lists suppliers with promised and observed lead time and on-time rate, read-only for a viewer', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/suppliers': {
        items: [
          supplier(),
          supplier({ id: 'bolt', name: 'Bolt Supply', active: false, webhookStatus: 'disabled' }),
        ],
      },
    });

    // Act
    renderApp('/purchasing/suppliers');

    // Assess
    const table = await screen.findByRole('table', { name: 'Suppliers' });
    const acme = within(table).getByRole('link', { name: 'Acme Textiles' }).closest('tr')!;
    expect(acme.textContent).toContain('5 days / 6.5 days');
    expect(acme.textContent).toContain('80 %');
    const bolt = within(table).getByRole('link', { name: 'Bolt Supply' }).closest('tr')!;
    expect(within(bolt).getByText('Inactive')).toBeTruthy();
    expect(within(bolt).getByText('Webhook disabled')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /New supplier/ })).toBeNull();
  });

  it('has a Purchasing entry in the navigation with its three pages', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    fakeApi({ 'GET /api/v1/auth/me': demoUser('viewer'), 'GET /api/v1/suppliers': { items: [] } });

    // Act
    const { user, location } = renderApp('/purchasing/suppliers');

    // Assess
    const sidebar = await screen.findByRole('navigation', { name: 'Sections' });
    const pages = within(sidebar).getByRole('list', { name: 'Purchasing' });
    expect(
      within(pages)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Purchase orders', 'Suppliers', 'Reorder rules']);
    expect(within(pages).getByRole('link', { name: 'Suppliers' }).getAttribute('aria-current')).toBe('page');
    await user.click(
      within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Purchasing' }),
    );
    await waitFor(() => expect(location()).toBe('/purchasing/orders'));
  });

  it('creates a supplier and shows its signing secret once, with a copy button', async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const created: Supplier[] = [];
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('manager'),
      'GET /api/v1/suppliers': () => ({ body: { items: created } }),
      'POST /api/v1/suppliers': ({ body }) => {
        const input = body as SupplierInput;
        if (!input.webhookUrl.startsWith('https://'))
          return problem(400, 'Invalid request', 'webhookUrl: Invalid URL', [
            { field: 'webhookUrl', message: 'Invalid URL' },
          ]);
        const s = supplier({ ...input, performance: supplier().performance });
        created.push(s);
        return json({ ...s, secret: SECRET }, 201);
      },
    });
    const { user } = renderApp('/purchasing/suppliers');
    await user.click(await screen.findByRole('button', { name: /New supplier/ }));
    const dialog = screen.getByRole('dialog', { name: 'New supplier' });
    await user.type(within(dialog).getByLabelText('Supplier id'), 'acme');
    await user.type(within(dialog).getByLabelText('Name'), 'Acme Textiles');
    await user.type(within(dialog).getByLabelText('Email'), 'orders@acme.example');
    await user.type(within(dialog).getByLabelText('Webhook URL'), 'http://acme.example/hook');
    const lead = within(dialog).getByLabelText('Lead time (days)');
    await user.clear(lead);
    await user.type(lead, '5');

    // Act: the server names the field, then the corrected form is accepted
    await user.click(within(dialog).getByRole('button', { name: 'Create supplier' }));
    const url = within(dialog).getByLabelText('Webhook URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(within(dialog).getByText('Invalid URL')).toBeTruthy();
    await user.clear(url);
    await user.type(url, 'https://acme.example/hook');
    await user.click(within(dialog).getByRole('button', { name: 'Create supplier' }));

    // Assess
    const secret = await screen.findByRole('dialog', { name: 'Signing secret of Acme Textiles' });
    expect(within(secret).getByText('Copy it now: you will not see it again.')).toBeTruthy();
    expect((within(secret).getByLabelText('Signing secret') as HTMLInputElement).value).toBe(SECRET);
    await user.click(within(secret).getByRole('button', { name: 'Copy' }));
    expect(await navigator.clipboard.readText()).toBe(SECRET); // user-event's clipboard stand-in
    expect(within(secret).getByText('Copied to the clipboard.')).toBeTruthy();
    const posts = api.to('POST', '/api/v1/suppliers');
    expect(posts[1]?.body).toEqual({
      id: 'acme',
      name: 'Acme Textiles',
      email: 'orders@acme.example',
      webhookUrl: 'https://acme.example/hook',
      currency: 'USD',
      leadTimeDays: 5,
      active: true,
      backorderPolicy: 'keep_open',
    });
    expect(posts[1]?.headers.get('idempotency-key')).toBeTruthy();

    // Once closed, the secret is gone from the page
    await user.click(within(secret).getByRole('button', { name: 'Done' }));
    expect(screen.queryByDisplayValue(SECRET)).toBeNull();
    expect(await screen.findByRole('link', { name: 'Acme Textiles' })).toBeTruthy();
  });
});
