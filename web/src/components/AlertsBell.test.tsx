import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { InboxAlert } from '../api/types.ts';
import { demoUser, fakeApi, product, signedInAs } from '../test/fakeApi.ts';
import { inboxAlert } from '../test/notifications.fixtures.ts';
import { renderApp } from '../test/render.tsx';

/** The caller's inbox on the fake server: read state changes as the dashboard asks. */
function inbox(initial: InboxAlert[]) {
  const store = { items: [...initial] };
  const list = () => ({
    items: store.items.slice(0, 10),
    unread: store.items.filter((a) => !a.read).length,
  });
  signedInAs(demoUser('manager'));
  const api = fakeApi({
    'GET /api/v1/auth/me': demoUser('manager'),
    'GET /api/v1/alerts': () => ({ body: list() }),
    'POST /api/v1/alerts/:id/read': ({ params }) => {
      store.items = store.items.map((a) => (a.id === params.id ? { ...a, read: true } : a));
      return { body: {} };
    },
    'POST /api/v1/alerts/read-all': () => {
      store.items = store.items.map((a) => ({ ...a, read: true }));
      return { body: { unread: 0 } };
    },
    'GET /api/v1/products/:sku': product({ sku: 'TEE-S' }),
  });
  return { api, store };
}

const low = inboxAlert({ id: 'al_1', title: 'Low stock: T-shirt S at Main warehouse' });
const out = inboxAlert({
  id: 'al_2',
  type: 'OutOfStock',
  severity: 'critical',
  title: 'Out of stock: Mug at Main warehouse',
  summary: 'Nothing left to sell.',
  link: '/products/MUG',
});
const back = inboxAlert({
  id: 'al_3',
  type: 'BackInStock',
  severity: 'info',
  title: 'Back in stock: Cap',
  status: 'resolved',
  read: true,
  link: '/products/CAP',
});

describe('the alert bell', () => {
  it('shows the unread count and opens a panel of the newest alerts that Escape closes', async () => {
    // Prepare
    inbox([out, low, back]);
    const { user } = renderApp('/help');

    // Act
    const bell = await screen.findByRole('button', { name: 'Alerts, 2 unread' });
    await user.click(bell);

    // Assess
    const panel = screen.getByRole('dialog', { name: 'Alerts' });
    expect(bell.getAttribute('aria-expanded')).toBe('true');
    expect(panel.contains(document.activeElement)).toBe(true);
    const links = within(panel).getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '/products/MUG',
      '/products/TEE-S',
      '/products/CAP',
      '/alerts',
    ]);
    expect(links[0]?.textContent).toContain('Critical');
    expect(links[0]?.textContent).toContain('Nothing left to sell.');
    expect(links[0]?.textContent).toContain('unread');
    expect(links[2]?.textContent).toContain('Resolved');
    expect(within(panel).getAllByText('5 minutes ago').length).toBeGreaterThan(0);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'Alerts' })).toBeNull();
    expect(document.activeElement).toBe(bell);
  });

  it('closes on a click outside the panel', async () => {
    // Prepare
    inbox([low]);
    const { user } = renderApp('/help');
    await user.click(await screen.findByRole('button', { name: 'Alerts, 1 unread' }));
    expect(screen.getByRole('dialog', { name: 'Alerts' })).toBeTruthy();

    // Act
    await user.click(screen.getByRole('heading', { name: 'Help' }));

    // Assess
    expect(screen.queryByRole('dialog', { name: 'Alerts' })).toBeNull();
  });

  it('marks an alert read when it is opened, lowering the count, and goes to its page', async () => {
    // Prepare
    const { api } = inbox([out, low]);
    const { user, location } = renderApp('/help');
    await user.click(await screen.findByRole('button', { name: 'Alerts, 2 unread' }));

    // Act
    await user.click(within(screen.getByRole('dialog')).getByRole('link', { name: /Low stock: T-shirt S/ }));

    // Assess
    await waitFor(() => expect(location()).toBe('/products/TEE-S'));
    expect(api.to('POST', '/api/v1/alerts/al_1/read')).toHaveLength(1);
    expect(await screen.findByRole('button', { name: 'Alerts, 1 unread' })).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'Alerts' })).toBeNull();
  });

  it('marks all read', async () => {
    // Prepare
    const { api } = inbox([out, low]);
    const { user } = renderApp('/help');
    await user.click(await screen.findByRole('button', { name: 'Alerts, 2 unread' }));

    // Act
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));

    // Assess
    expect(await screen.findByRole('button', { name: 'Alerts, none unread' })).toBeTruthy();
    expect(api.to('POST', '/api/v1/alerts/read-all')).toHaveLength(1);
    expect(screen.getByText('All alerts marked read')).toBeTruthy();
    const panel = screen.getByRole('dialog', { name: 'Alerts' });
    expect(within(panel).getByRole('button', { name: 'Mark all read' })).toHaveProperty('disabled', true);
    expect(panel.querySelectorAll('.alert-unread')).toHaveLength(0);
  });

  it('refreshes the count on window focus and announces a new alert politely', async () => {
    // Prepare
    const { store } = inbox([low]);
    renderApp('/help');
    await screen.findByRole('button', { name: 'Alerts, 1 unread' });

    // Act: an alert is raised; the user comes back to the window
    store.items = [out, ...store.items];
    await act(async () => {
      fireEvent.focus(window);
    });

    // Assess
    expect(await screen.findByRole('button', { name: 'Alerts, 2 unread' })).toBeTruthy();
    const live = screen.getByText('New alert: Out of stock: Mug at Main warehouse');
    expect(live.getAttribute('aria-live')).toBe('polite');
  });

  it('polls the count every 10 seconds while the tab is visible', async () => {
    // Prepare
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { api, store } = inbox([low]);
    renderApp('/help');
    await screen.findByRole('button', { name: 'Alerts, 1 unread' });
    const before = api.to('GET', '/api/v1/alerts').length;

    // Act
    store.items = [out, ...store.items];
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });

    // Assess
    expect(api.to('GET', '/api/v1/alerts').length).toBe(before + 1);
    expect(await screen.findByRole('button', { name: 'Alerts, 2 unread' })).toBeTruthy();
  });
});
