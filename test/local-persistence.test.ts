import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';
import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import { localAuthEnv, localTokenFor } from '../local/auth.ts';
import { ROOT } from '../local/runtime.ts';
import { fauxqsStores } from '../local/s3-store.ts';

/**
 * What `npm start` keeps in `.data/` across a restart. The runtime runs in a child process, as it
 * does under `npm start`, so that a restart is a real one (new emulators, new ports, new clients).
 */
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

let child: ChildProcess | undefined;
const dataDirs: string[] = [];
afterEach(async () => {
  await stop();
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<string> {
  const process_ = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/persisted/runtime.ts', dataDir],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child = process_;
  let output = '';
  process_.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    process_.stdout!.on('data', (chunk) => {
      output += chunk;
      const line = /\{"url":"[^"]+"\}/.exec(output);
      if (line) resolve((JSON.parse(line[0]) as { url: string }).url);
    });
    process_.once('exit', (code) => reject(new Error(`the runtime exited with ${code}: ${output}`)));
  });
}

async function stop(): Promise<void> {
  const running = child;
  child = undefined;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise((r) => running.once('exit', r));
  running.kill('SIGTERM');
  await exited;
}

describe('local data under the data directory', () => {
  it('keeps an uploaded product image, its bytes and its content type, across a restart', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'azura-persist-'));
    dataDirs.push(dataDir);
    let url = await start(dataDir);
    // The runtime keeps its token-signing key in the data directory: sign with the same one.
    Object.assign(process.env, await localAuthEnv(join(dataDir, 'auth-key.json')));
    const authorization = `Bearer ${await localTokenFor('admin')}`;
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        redirect: 'manual',
        headers: { authorization, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const sku = `LAMP-${ulid().slice(-10)}`;
    const created = await api('POST', '/api/v1/products', {
      sku,
      name: 'Desk lamp',
      category: 'lighting',
      price: { amount: 4500, currency: 'GBP' },
      cost: { amount: 2000, currency: 'GBP' },
    });
    expect(created.status).toBe(201);
    const upload = (await (
      await api('POST', `/api/v1/products/${sku}/images`, {
        contentType: 'image/png',
        fileName: 'front.png',
      })
    ).json()) as { key: string; uploadUrl: string };
    // As the dashboard's browser does: a preflight from its origin, then the PUT.
    const origin = 'http://localhost:3000';
    const preflight = await fetch(upload.uploadUrl, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    const put = await fetch(upload.uploadUrl, {
      method: 'PUT',
      headers: { origin, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe('*');
    const confirmed = await api('POST', `/api/v1/products/${sku}/images/confirm`, { key: upload.key });
    expect(confirmed.status).toBe(200);

    // Act
    await stop();
    url = await start(dataDir);
    const product = (await (await api('GET', `/api/v1/products/${sku}`)).json()) as { imageKeys: string[] };
    const redirect = await api('GET', `/api/v1/products/${sku}/images/${upload.key.split('/').pop()}`);
    const download = await fetch(redirect.headers.get('location')!);

    // Assess
    expect(product.imageKeys).toEqual([upload.key]);
    expect(redirect.status).toBe(302);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(PNG);
  }, 180_000); // two cold starts of the runtime and its JVM, on a busy machine
});

describe('the S3 store on disk', () => {
  /** fauxqs on a directory, reached by a plain S3 client; `stop` closes it (its memory is gone). */
  async function s3On(dir: string) {
    const app = buildApp({ logger: false, stores: fauxqsStores(dir) });
    const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return { client, stop: () => app.close() };
  }

  it('keeps the last write of each key and forgets deleted ones, across a restart', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'azura-s3-'));
    dataDirs.push(dir);
    const first = await s3On(dir);
    await first.client.send(new CreateBucketCommand({ Bucket: 'images' }));
    const put = (Key: string, Body: string, ContentType = 'text/plain') =>
      first.client.send(new PutObjectCommand({ Bucket: 'images', Key, Body, ContentType }));
    await put('a/kept.txt', 'first');
    await put('a/kept.txt', 'second', 'text/csv');
    await put('a/deleted.txt', 'gone');
    await first.client.send(new DeleteObjectCommand({ Bucket: 'images', Key: 'a/deleted.txt' }));
    await first.stop();

    // Act
    const second = await s3On(dir);
    const listed = await second.client.send(new ListObjectsV2Command({ Bucket: 'images' }));
    const kept = await second.client.send(new GetObjectCommand({ Bucket: 'images', Key: 'a/kept.txt' }));
    const body = await kept.Body!.transformToString();
    await second.stop();

    // Assess
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['a/kept.txt']);
    expect(body).toBe('second');
    expect(kept.ContentType).toBe('text/csv');
  });
});
