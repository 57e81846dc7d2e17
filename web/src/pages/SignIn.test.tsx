import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { demoUser, fakeApi, json, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';

describe('sign-in', () => {
  it('sends a signed-out visitor to sign-in, then back to the page they asked for with the token in use', async () => {
    // Prepare
    const manager = demoUser('manager');
    const api = fakeApi({
      'POST /api/v1/auth/login': ({ body }) =>
        (body as { password: string }).password === 'azura-demo'
          ? json({ token: 'jwt-manager', user: manager })
          : problem(401, 'Unauthorized', 'bad credentials'),
      'GET /api/v1/auth/me': manager,
      'GET /api/v1/products': { items: [product()] },
      'GET /api/v1/locations': { items: [] },
    });
    const { user, location } = renderApp('/inventory');
    expect(await screen.findByRole('heading', { name: 'Sign in to Azura Inventory' })).toBeTruthy();

    // Act
    await user.type(screen.getByLabelText('Email'), 'manager@azura.local');
    await user.type(screen.getByLabelText('Password'), 'azura-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    // Assess
    expect(await screen.findByRole('heading', { name: 'Inventory' })).toBeTruthy();
    expect(location()).toBe('/inventory');
    expect(localStorage.getItem('azura.token')).toBe('jwt-manager');
    await waitFor(() => expect(api.to('GET', '/api/v1/products').length).toBeGreaterThan(0));
    expect(api.to('GET', '/api/v1/products')[0]?.headers.get('authorization')).toBe('Bearer jwt-manager');
    expect(api.to('POST', '/api/v1/auth/login')[0]?.body).toEqual({
      email: 'manager@azura.local',
      password: 'azura-demo',
    });
    expect(screen.getByRole('status').textContent).toContain('Welcome, Manager Demo');
  });

  it('says so when the password is wrong and stores nothing', async () => {
    // Prepare
    fakeApi({ 'POST /api/v1/auth/login': problem(401, 'Unauthorized', 'bad credentials') });
    const { user } = renderApp('/sign-in');

    // Act
    await user.type(await screen.findByLabelText('Email'), 'viewer@azura.local');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    // Assess
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.some((a) => a.textContent?.includes('The email or password is not right.'))).toBe(true);
    expect(localStorage.getItem('azura.token')).toBeNull();
  });

  it('returns to sign-in when the API answers 401 (an expired token)', async () => {
    // Prepare
    signedInAs(demoUser('viewer'));
    fakeApi({
      'GET /api/v1/auth/me': problem(401, 'Unauthorized', 'token expired'),
      'GET /api/v1/reports/summary': problem(401, 'Unauthorized', 'token expired'),
    });

    // Act
    const { location } = renderApp('/');

    // Assess
    expect(await screen.findByText('Your session has ended. Please sign in again.')).toBeTruthy();
    expect(location()).toBe('/sign-in');
    expect(localStorage.getItem('azura.token')).toBeNull();
  });
});
