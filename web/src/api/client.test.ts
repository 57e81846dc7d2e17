import { describe, expect, it, vi } from 'vitest';
import { fakeApi, json, problem } from '../test/fakeApi.ts';
import { ApiError, apiEvents, request, setToken } from './client.ts';
import { stock } from './endpoints.ts';

describe('the API client', () => {
  it('turns problem+json into an ApiError with its field errors', async () => {
    // Prepare
    fakeApi({
      'POST /api/v1/products': problem(400, 'Invalid request', 'price.amount: too small', [
        { field: 'price.amount', message: 'too small' },
        { field: 'price.amount', message: 'second message' },
      ]),
    });

    // Act
    const error = await request('POST', '/api/v1/products', { body: {} }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).fieldErrors()).toEqual({ 'price.amount': 'too small' });
    expect((error as ApiError).userMessage).toBe('Invalid request: price.amount: too small');
  });

  it('retries a POST after a network failure with the same Idempotency-Key', async () => {
    // Prepare: the first attempt never reaches the server
    const keys: (string | null)[] = [];
    const fetchStub = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      keys.push(new Headers(init?.headers).get('idempotency-key'));
      if (keys.length === 1) throw new TypeError('Failed to fetch');
      return json({ movement: {}, level: {} }, 201);
    });
    vi.stubGlobal('fetch', fetchStub);

    // Act
    await stock.adjust('TEE-S', { delta: 1, reason: 'found' }, { idempotencyKey: 'action-1' });

    // Assess
    expect(keys).toEqual(['action-1', 'action-1']);
  });

  it('announces a 401 (sign out) and a 403 (no permission) to the app', async () => {
    // Prepare
    setToken('expired');
    fakeApi({
      'GET /api/v1/reports/summary': problem(401, 'Unauthorized'),
      'GET /api/v1/users': problem(403, 'Forbidden', 'admin only'),
    });
    const heard: string[] = [];
    const listen = (type: string) => () => heard.push(type);
    apiEvents.addEventListener('unauthorized', listen('unauthorized'));
    apiEvents.addEventListener('forbidden', listen('forbidden'));

    // Act
    const e401 = await request('GET', '/api/v1/reports/summary').catch((e: ApiError) => e);
    const e403 = await request('GET', '/api/v1/users').catch((e: ApiError) => e);

    // Assess
    expect(heard).toEqual(['unauthorized', 'forbidden']);
    expect((e403 as ApiError).userMessage).toBe("You don't have permission");
    expect((e401 as ApiError).status).toBe(401);
  });
});
