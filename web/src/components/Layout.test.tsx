import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { demoUser, fakeApi, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';

const summary = {
  totalSkus: 3,
  totalUnitsOnHand: 71,
  inventoryValue: { amount: 123456, currency: 'USD' },
  lowStockCount: 1,
  outOfStockCount: 1,
  totalReserved: 4,
  totalAvailable: 55,
  recentOrders: [],
  movementTrend: [
    { date: '2024-05-01', inbound: 10, outbound: 3 },
    { date: '2024-05-02', inbound: 0, outbound: 7 },
  ],
  retailValue: { amount: 234567, currency: 'USD' },
  productsWithoutCost: 0,
  valueTrend: [
    { date: '2024-05-01', value: 120000 },
    { date: '2024-05-02', value: 123456 },
  ],
  dataAsOf: '2024-05-02T10:00:00.000Z',
  lagSeconds: 2,
};

function signIn(role: 'admin' | 'viewer' = 'viewer') {
  signedInAs(demoUser(role));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser(role),
    'GET /api/v1/reports/summary': summary,
    'GET /api/v1/users': {
      items: [demoUser('admin'), demoUser('viewer')],
    },
    'PATCH /api/v1/users/:id': ({ params, body }) => ({
      body: { ...demoUser('viewer'), id: params.id, ...(body as object) },
    }),
  });
}

describe('the page frame', () => {
  it('has the logo, main navigation, landmarks and the footer of the brief', async () => {
    // Prepare
    signIn();

    // Act
    renderApp('/');

    // Assess
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeTruthy();
    expect(screen.getByRole('banner')).toBeTruthy();
    expect(screen.getByRole('main')).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Azura' })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(
      within(nav)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['Dashboard', 'Inventory', 'Orders', 'Purchasing', 'Reports', 'Settings']);
    const footer = screen.getByRole('contentinfo');
    expect(
      within(footer)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['About Us', 'Contact', 'Privacy Policy', 'Terms of Service']);
    expect(footer.textContent).toContain('© 2024 Azura E-commerce Platform');
    expect(screen.getByRole('link', { name: 'Skip to main content' })).toBeTruthy();
  });

  it('collapses the sidebar to icons that keep their names as tooltips', async () => {
    // Prepare
    signIn();
    const { user } = renderApp('/');
    const sidebar = await screen.findByRole('navigation', { name: 'Sections' });

    // Act
    await user.click(screen.getByRole('button', { name: 'Collapse sidebar' }));

    // Assess
    const expand = screen.getByRole('button', { name: 'Expand sidebar' });
    expect(expand.getAttribute('aria-expanded')).toBe('false');
    expect(expand.getAttribute('title')).toBe('Expand sidebar');
    const inventory = within(sidebar).getByRole('link', { name: 'Inventory' });
    expect(inventory.getAttribute('title')).toBe('Inventory');
    expect(localStorage.getItem('azura.sidebar')).toBe('collapsed');
  });

  it('shows the dashboard figures with links to low and out-of-stock products', async () => {
    // Prepare
    signIn();

    // Act
    renderApp('/');

    // Assess
    const figures = await screen.findByRole('region', { name: 'Key figures' });
    expect(figures.textContent).toContain('$1,234.56');
    expect(within(figures).getByRole('link', { name: 'See low-stock products' }).getAttribute('href')).toBe(
      '/inventory?stock=low',
    );
    expect(
      await screen.findByRole('group', {
        name: /Units in and out per day: Inbound 10, Outbound 10 over 2 days/,
      }),
    ).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Reserved 4, Available 55' })).toBeTruthy();
  });

  it('works the figures out from the products when the reporting route is absent', async () => {
    // Prepare: no /reports/summary (404), products and orders answer
    signedInAs(demoUser('viewer'));
    fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/products': {
        items: [
          product({ sku: 'A', stock: { onHand: 20, reserved: 2, available: 16, incoming: 0 } }),
          product({ sku: 'B', stock: { onHand: 0, reserved: 0, available: 0, incoming: 0 } }),
        ],
      },
      'GET /api/v1/orders': { items: [], nextCursor: null },
    });

    // Act
    renderApp('/');

    // Assess
    const figures = await screen.findByRole('region', { name: 'Key figures' });
    const value = (label: string) =>
      within(figures).getByText(label, { selector: '.stat-label' }).nextElementSibling?.textContent;
    expect(value('Products (SKUs)')).toBe('2');
    expect(value('Units on hand')).toBe('20');
    expect(value('Inventory value')).toBe('$160.00');
    expect(value('Out of stock')).toBe('1');
  });

  it('signs out from the user menu, by keyboard', async () => {
    // Prepare
    signIn();
    const { user, location } = renderApp('/');
    const account = await screen.findByRole('button', { name: 'Account: Viewer Demo' });

    // Act
    account.focus();
    await user.keyboard('{Enter}');
    const menu = screen.getByRole('menu', { name: 'Account' });
    expect(
      within(menu)
        .getAllByRole('menuitem')
        .map((i) => i.textContent?.trim()),
    ).toEqual(['Profile', 'Help', 'Sign out']);
    await user.keyboard('{ArrowDown}{ArrowDown}{Enter}');

    // Assess
    await waitFor(() => expect(location()).toBe('/sign-in'));
    expect(localStorage.getItem('azura.token')).toBeNull();
    expect(await screen.findByText('Signed out')).toBeTruthy();
  });

  it('lets an admin change the roles of a user', async () => {
    // Prepare
    const api = signIn('admin');
    const { user } = renderApp('/settings');
    const table = await screen.findByRole('table', { name: 'Users and their roles' });

    // Act
    const roles = within(table).getByRole('group', { name: 'Roles of viewer@azura.local' });
    await user.click(within(roles).getByRole('checkbox', { name: 'warehouse' }));
    await user.click(within(table).getByRole('button', { name: 'Save roles of Viewer Demo' }));

    // Assess
    expect(await screen.findByText('Roles of viewer@azura.local saved')).toBeTruthy();
    expect(api.to('PATCH', '/api/v1/users/user-viewer')[0]?.body).toEqual({ roles: ['viewer', 'warehouse'] });
  });

  it('shows a viewer only their profile in settings', async () => {
    // Prepare
    signIn('viewer');

    // Act
    renderApp('/settings');

    // Assess
    expect(await screen.findByRole('heading', { name: 'Profile' })).toBeTruthy();
    expect(screen.getByText('viewer@azura.local')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Users and roles' })).toBeNull();
  });
});
