import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { app as serviceApp } from '../services/catalog/handlers/api.ts';
import { catalogService } from '../services/catalog/service.ts';
import { provisionFor, signedIn } from './support/env.ts';

/** The service's API as a signed-in admin sees it. */
const app = signedIn(serviceApp);

/** Product images: uploaded straight to S3 (fauxqs) with presigned URLs, then confirmed. */

const uid = () => ulid().slice(-10);
// The 8-byte PNG signature and a little more: enough to be a recognisable file.
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]);

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.request(path, {
    method,
    redirect: 'manual',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function createProduct(): Promise<string> {
  const sku = `LAMP-${uid()}`;
  const created = await call('POST', '/api/v1/products', {
    sku,
    name: 'Desk lamp',
    category: 'lighting',
    price: { amount: 4500, currency: 'GBP' },
    cost: { amount: 2000, currency: 'GBP' },
  });
  expect(created.status).toBe(201);
  return sku;
}

beforeAll(async () => {
  await provisionFor([catalogService]);
});

describe('catalog images', () => {
  it('uploads an image through a presigned URL, confirms it, and redirects to it', async () => {
    // Prepare
    const sku = await createProduct();
    const images = `/api/v1/products/${sku}/images`;

    // Act
    const upload = await call('POST', images, { contentType: 'image/png', fileName: 'front.png' });
    const put = await fetch(upload.body.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: PNG,
    });
    const confirmed = await call('POST', `${images}/confirm`, { key: upload.body.key });
    const again = await call('POST', `${images}/confirm`, { key: upload.body.key });
    const imageId = (upload.body.key as string).split('/').pop();
    const redirect = await call('GET', `${images}/${imageId}`);
    const download = await fetch(redirect.headers.get('location')!);

    // Assess
    expect(upload.status).toBe(201);
    expect(upload.body.key).toMatch(new RegExp(`^products/${sku}/[0-9A-Z]{26}\\.png$`));
    expect(put.status).toBe(200);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ imageKeys: [upload.body.key], version: 2 });
    expect(again.body).toMatchObject({ imageKeys: [upload.body.key], version: 2 });
    expect(redirect.status).toBe(302);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(PNG);
  });

  it('refuses to confirm an image that was never uploaded', async () => {
    const sku = await createProduct();
    const upload = await call('POST', `/api/v1/products/${sku}/images`, {
      contentType: 'image/webp',
      fileName: 'side.webp',
    });

    const confirmed = await call('POST', `/api/v1/products/${sku}/images/confirm`, { key: upload.body.key });
    const product = await call('GET', `/api/v1/products/${sku}`);

    expect(confirmed.status).toBe(422);
    expect(confirmed.headers.get('content-type')).toBe('application/problem+json');
    expect(product.body).toMatchObject({ imageKeys: [], version: 1 });
  });

  it('answers 404 for an image the product does not have, and for an unknown product', async () => {
    const sku = await createProduct();

    const noImage = await call('GET', `/api/v1/products/${sku}/images/${ulid()}.png`);
    const noProduct = await call('POST', `/api/v1/products/NOPE-${uid()}/images`, {
      contentType: 'image/png',
      fileName: 'x.png',
    });

    expect(noImage.status).toBe(404);
    expect(noProduct.status).toBe(404);
  });

  it('hands back the same upload for a replayed Idempotency-Key', async () => {
    const sku = await createProduct();
    const request = { contentType: 'image/jpeg', fileName: 'top.jpg' };

    const first = await call('POST', `/api/v1/products/${sku}/images`, request, {
      'idempotency-key': 'img-1',
    });
    const replay = await call('POST', `/api/v1/products/${sku}/images`, request, {
      'idempotency-key': 'img-1',
    });

    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
  });
});
