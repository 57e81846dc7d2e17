import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { InboxAlert } from '../api/types.ts';
import { demoUser, fakeApi, signedInAs } from '../test/fakeApi.ts';
import { inboxAlert } from '../test/notifications.fixtures.ts';
import { renderApp } from '../test/render.tsx';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function inbox(all: InboxAlert[]) {
  const store = { items: [...all] };
  signedInAs(demoUser('warehouse'));
  const api = fakeApi({
    'GET /api/v1/auth/me': demoUser('warehouse'),
    'GET /api/v1/alerts': ({ query }) => {
      const unread = store.items.filter((a) => !a.read).length;
      const listed = query.get('unread') === 'true' ? store.items.filter((a) => !a.read) : store.items;
      const limit = Number(query.get('limit') ?? 25);
      const start = Number(query.get('cursor') ?? 0);
      const items = listed.slice(start, start + limit);
      const next = start + limit < listed.length ? String(start + limit) : undefined;
      return { body: { items, unread, ...(next ? { nextCursor: next } : {}) } };
    },
    'POST /api/v1/alerts/:id/read': ({ params }) => {
      store.items = store.items.map((a) => (a.id === params.id ? { ...a, read: true } : a));
      return { body: {} };
    },
    'POST /api/v1/alerts/read-all': () => {
      store.items = store.items.map((a) => ({ ...a, read: true }));
      return { body: { unread: 0 } };
    },
  });
  return { api, store };
}

const many = Array.from({ length: 30 }, (_, i) =>
  inboxAlert({
    id: `al_${String(i).padStart(26, '0')}`,
    title: `Shipment ${i + 1} on its way`,
    type: 'InboundShipment',
    severity: 'info',
    raisedAt: hoursAgo(i + 1),
    read: i % 2 === 1,
    status: i === 0 ? 'resolved' : 'open',
  }),
);

describe('the alerts page', () => {
  it('lists the alerts newest first, 25 a page, with resolved ones shown as such', async () => {
    // Prepare
    inbox(many);
    const { user } = renderApp('/alerts');

    // Act
    const list = await screen.findByRole('list', { name: 'Alerts, newest first' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(25);
    await user.click(screen.getByRole('button', { name: 'Older alerts' }));

    // Assess
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(30));
    const first = within(list).getAllByRole('listitem')[0];
    expect(first?.textContent).toContain('Shipment 1 on its way');
    expect(first?.textContent).toContain('Resolved');
    expect(screen.getByText('15 unread')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Older alerts' })).toBeNull();
  });

  it('filters to unread alerts and marks one read, then all', async () => {
    // Prepare
    const { api } = inbox(many.slice(0, 4));
    const { user } = renderApp('/alerts');
    await screen.findByRole('list', { name: 'Alerts, newest first' });

    // Act: unread only
    await user.click(screen.getByRole('checkbox', { name: 'Unread only' }));

    // Assess
    await waitFor(() =>
      expect(api.calls.some((c) => c.path === '/api/v1/alerts' && c.query.get('unread') === 'true')).toBe(
        true,
      ),
    );
    const list = await screen.findByRole('list', { name: 'Alerts, newest first' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2));
    expect(screen.getByText('2 unread')).toBeTruthy();

    // Act: mark one read
    await user.click(screen.getByRole('button', { name: 'Mark read: Shipment 3 on its way' }));

    // Assess
    expect(api.to('POST', `/api/v1/alerts/${many[2]?.id}/read`)).toHaveLength(1);
    expect(await screen.findByText('1 unread')).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Alerts, 1 unread' })).toBeTruthy();

    // Act: mark all read
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));

    // Assess
    expect(await screen.findByText('No unread alerts')).toBeTruthy();
    expect(api.to('POST', '/api/v1/alerts/read-all')).toHaveLength(1);
    expect(await screen.findByRole('button', { name: 'Alerts, none unread' })).toBeTruthy();
  });
});
