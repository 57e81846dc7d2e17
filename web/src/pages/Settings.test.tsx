import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, type UserPreferences } from '../api/types.ts';
import { demoUser, fakeApi, problem, signedInAs } from '../test/fakeApi.ts';
import { notificationDefaults, preferencesView } from '../test/notifications.fixtures.ts';
import { renderApp } from '../test/render.tsx';

const row = (table: HTMLElement, title: string) =>
  within(table)
    .getByRole('rowheader', { name: new RegExp(`^${title}`) })
    .closest('tr') as HTMLElement;

describe('settings: profile and notifications', () => {
  it('saves the phone number for SMS alerts, showing the server’s field error first', async () => {
    // Prepare
    signedInAs(demoUser('warehouse'));
    let attempts = 0;
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('warehouse'),
      'GET /api/v1/me/notification-preferences': preferencesView('user-warehouse'),
      'PATCH /api/v1/auth/me': ({ body }) =>
        ++attempts === 1
          ? problem(422, 'Validation failed', 'The request is not valid', [
              { field: 'phone', message: 'a phone number in E.164 format, e.g. +15551234567' },
            ])
          : { body: { ...demoUser('warehouse'), ...(body as object) } },
    });
    const { user } = renderApp('/settings');
    const phone = await screen.findByLabelText('Mobile phone for SMS alerts');

    // Act
    await user.type(phone, '5551234');
    await user.click(screen.getByRole('button', { name: 'Save profile' }));

    // Assess
    expect(await screen.findByText('a phone number in E.164 format, e.g. +15551234567')).toBeTruthy();
    expect(phone.getAttribute('aria-invalid')).toBe('true');

    // Act
    await user.clear(phone);
    await user.type(phone, '+1 555 123 4567');
    await user.click(screen.getByRole('button', { name: 'Save profile' }));

    // Assess
    expect(await screen.findByText('Profile saved')).toBeTruthy();
    expect(api.to('PATCH', '/api/v1/auth/me').map((c) => c.body)).toEqual([
      { phone: '5551234' },
      { phone: '+15551234567' },
    ]);
    expect(JSON.parse(localStorage.getItem('azura.user') ?? '{}').phone).toBe('+15551234567');
  });

  it('saves my channels per alert type, quiet hours and digest with the body the API expects', async () => {
    // Prepare
    signedInAs(demoUser('manager'));
    const mine: UserPreferences = {
      global: { skus: ['TEE-S'] },
      types: { StockLow: { channels: ['email'] } },
    };
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('manager'),
      'GET /api/v1/me/notification-preferences': preferencesView('user-manager', mine, {
        OutOfStock: ['inApp: kept for an active product even if switched off (critical then)'],
      }),
      'PUT /api/v1/me/notification-preferences': ({ body }) => ({
        body: {
          ...preferencesView('user-manager', body as UserPreferences, {
            OutOfStock: ['sms: add a phone number to your profile'],
          }),
          updatedAt: '2024-05-03T10:00:00.000Z',
        },
      }),
    });
    const { user } = renderApp('/settings');
    const table = await screen.findByRole('table', { name: 'My channels per alert type' });

    // Assess: own choice, inherited values, critical types, notes
    const low = row(table, 'Low stock');
    expect(within(low).getByRole('checkbox', { name: 'Email' })).toHaveProperty('checked', true);
    expect(within(low).getByRole('checkbox', { name: 'In-app' })).toHaveProperty('checked', false);
    const outOfStock = row(table, 'Out of stock');
    expect(outOfStock.textContent).toContain('Inherited from the default for the role');
    expect(outOfStock.textContent).toContain('inApp: kept for an active product');
    const failed = row(table, 'Purchase order failed');
    expect(within(failed).getByRole('checkbox', { name: 'In-app' })).toHaveProperty('disabled', true);
    expect(failed.textContent).toContain('Critical: in-app always stays on.');

    // Act
    await user.click(within(outOfStock).getByRole('checkbox', { name: 'SMS' }));
    await user.click(within(low).getByRole('button', { name: 'Use inherited channels for Low stock' }));
    await user.click(screen.getByRole('checkbox', { name: 'Hold email and SMS during quiet hours' }));
    await user.clear(screen.getByLabelText('Quiet hours time zone'));
    await user.type(screen.getByLabelText('Quiet hours time zone'), 'Europe/Paris');
    await user.click(
      screen.getByRole('checkbox', { name: 'Group non-critical email alerts into one email a day' }),
    );
    await user.selectOptions(screen.getByLabelText('Digest hour'), '07:00');
    await user.clear(screen.getByLabelText('Digest time zone'));
    await user.type(screen.getByLabelText('Digest time zone'), 'UTC');
    await user.click(screen.getByRole('button', { name: 'Save my notification preferences' }));

    // Assess
    expect(await screen.findByText('Notification preferences saved')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/me/notification-preferences')[0]?.body).toEqual({
      global: {
        skus: ['TEE-S'],
        quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Paris' },
        digest: { hour: 7, timeZone: 'UTC' },
      },
      types: { OutOfStock: { channels: ['email', 'sms', 'inApp'] } },
    });
    await waitFor(() =>
      expect(
        row(screen.getByRole('table', { name: 'My channels per alert type' }), 'Out of stock').textContent,
      ).toContain('sms: add a phone number to your profile'),
    );
  });

  it('shows the server’s field error on quiet hours', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    fakeApi({
      'GET /api/v1/auth/me': demoUser('viewer'),
      'GET /api/v1/me/notification-preferences': preferencesView('user-viewer'),
      'PUT /api/v1/me/notification-preferences': problem(422, 'Validation failed', undefined, [
        { field: 'body.global.quietHours.timeZone', message: 'an IANA time zone, e.g. Europe/Paris or UTC' },
      ]),
    });
    const { user } = renderApp('/settings');
    await screen.findByRole('table', { name: 'My channels per alert type' });

    // Act
    await user.click(screen.getByRole('checkbox', { name: 'Hold email and SMS during quiet hours' }));
    await user.clear(screen.getByLabelText('Quiet hours time zone'));
    await user.type(screen.getByLabelText('Quiet hours time zone'), 'Mars/Olympus');
    await user.click(screen.getByRole('button', { name: 'Save my notification preferences' }));

    // Assess
    expect(await screen.findByText('an IANA time zone, e.g. Europe/Paris or UTC')).toBeTruthy();
    expect(screen.getByLabelText('Quiet hours time zone').getAttribute('aria-invalid')).toBe('true');
  });

  it('lets an admin edit the defaults per alert type and another user’s preferences', async () => {
    // Prepare
    signedInAs(demoUser('admin'));
    const api = fakeApi({
      'GET /api/v1/auth/me': demoUser('admin'),
      'GET /api/v1/users': { items: [demoUser('admin'), demoUser('viewer')] },
      'GET /api/v1/me/notification-preferences': preferencesView('user-admin'),
      'GET /api/v1/notification-preferences/defaults': notificationDefaults(),
      'PUT /api/v1/notification-preferences/defaults': ({ body }) => ({ body }),
      'GET /api/v1/notification-preferences/users/:id': ({ params }) => ({
        body: preferencesView(params.id ?? ''),
      }),
      'PUT /api/v1/notification-preferences/users/:id': ({ params, body }) => ({
        body: preferencesView(params.id ?? '', body as UserPreferences),
      }),
    });
    const { user } = renderApp('/settings');
    const defaults = await screen.findByRole('table', {
      name: 'Default recipients and channels per alert type',
    });

    // Act: defaults
    const roles = within(defaults).getByRole('group', { name: 'Default roles for Low stock' });
    await user.click(within(roles).getByRole('checkbox', { name: 'warehouse' }));
    const channels = within(defaults).getByRole('group', { name: 'Default channels for Ledger drift' });
    await user.click(within(channels).getByRole('checkbox', { name: 'Email' }));
    await user.click(screen.getByRole('button', { name: 'Save defaults' }));

    // Assess
    expect(await screen.findByText('Notification defaults saved')).toBeTruthy();
    const sent = api.to('PUT', '/api/v1/notification-preferences/defaults')[0]?.body as {
      types: Record<string, unknown>;
    };
    expect(sent.types.StockLow).toEqual({ roles: ['manager', 'warehouse'], channels: ['email', 'inApp'] });
    expect(sent.types.LedgerDrift).toEqual({ roles: ['manager'], channels: ['inApp'] });
    expect(Object.keys(sent.types)).toHaveLength(ALERT_TYPES.length);
    expect(sent.types.DaysOfCoverLow).toBeTruthy();
    expect(within(defaults).getByRole('group', { name: 'Default roles for Low cover' })).toBeTruthy();

    // Act: another user's preferences
    await user.selectOptions(screen.getByLabelText('User'), 'user-viewer');
    const theirs = await screen.findByRole('table', { name: 'Channels per alert type of Viewer Demo' });
    await user.click(within(row(theirs, 'Delivery overdue')).getByRole('checkbox', { name: 'Email' }));
    await user.click(screen.getByRole('button', { name: 'Save notification preferences of Viewer Demo' }));

    // Assess
    expect(await screen.findByText('Notification preferences of Viewer Demo saved')).toBeTruthy();
    expect(api.to('PUT', '/api/v1/notification-preferences/users/user-viewer')[0]?.body).toEqual({
      global: {},
      types: { DeliveryOverdue: { channels: ['inApp'] } },
    });
  });
});
