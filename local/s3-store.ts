import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildAppOptions } from 'fauxqs';
import { writeFileAtomic } from './files.ts';

/**
 * fauxqs keeps S3 objects in memory; its `buildApp` takes the stores it serves, so this one
 * writes every object through to a directory and reads them back on start: product images
 * uploaded under `npm start` survive a restart, as DynamoDB Local's data does.
 *
 * The store classes are fauxqs's own (its S3 protocol, presigned URLs, aws-chunked bodies,
 * multipart uploads stay as they are); the package does not export them by name, so they are
 * loaded from its `dist/`. fauxqs is pinned to an exact version for this reason.
 */
export type Stores = NonNullable<BuildAppOptions['stores']>;
type S3Store = Stores['s3Store'];
type S3Object = ReturnType<S3Store['getObject']>;

// Node's own lookup of `node_modules/fauxqs` (import.meta.resolve is not there under vitest's runner).
const fauxqsDir = (createRequire(import.meta.url).resolve.paths('fauxqs') ?? [])
  .map((dir) => join(dir, 'fauxqs'))
  .find((dir) => existsSync(join(dir, 'package.json')));
if (!fauxqsDir) throw new Error('fauxqs is not installed (npm install)');
const fromDist = (file: string): string => pathToFileURL(join(fauxqsDir, 'dist', file)).href;
const { S3Store } = (await import(fromDist('./s3/s3Store.js'))) as { S3Store: new () => S3Store };
const { SqsStore } = (await import(fromDist('./sqs/sqsStore.js'))) as {
  SqsStore: new () => Stores['sqsStore'];
};
const { SnsStore } = (await import(fromDist('./sns/snsStore.js'))) as {
  SnsStore: new () => Stores['snsStore'];
};

/** Fresh stores for one fauxqs app; S3 objects persist under `s3Dir` when it is given. */
export function fauxqsStores(s3Dir?: string): Stores {
  return {
    sqsStore: new SqsStore(),
    snsStore: new SnsStore(),
    s3Store: s3Dir ? new PersistentS3Store(s3Dir) : new S3Store(),
  };
}

interface StoredHead {
  key: string;
  contentType: string;
  etag: string;
  lastModified: string;
  metadata: Record<string, string>;
}

/**
 * On disk: a directory per bucket, and in it one `<sha256 of key>.object` file per object: a line
 * of JSON (key, content type, ETag, metadata) then the bytes, written to a temporary file and
 * renamed, so that a kill leaves either the old object or the new one. Multipart uploads in
 * progress stay in memory: a restart abandons them, and the client starts the upload again.
 */
class PersistentS3Store extends S3Store {
  /** Upload id → bucket, to know where a completed multipart upload's object goes. */
  private readonly uploads = new Map<string, string>();

  constructor(private readonly dir: string) {
    super();
    mkdirSync(dir, { recursive: true });
    this.load();
  }

  override createBucket(name: string): void {
    super.createBucket(name);
    mkdirSync(this.bucketDir(name), { recursive: true });
  }

  override deleteBucket(name: string): void {
    super.deleteBucket(name);
    rmSync(this.bucketDir(name), { recursive: true, force: true });
  }

  override putObject(...args: Parameters<S3Store['putObject']>): S3Object {
    const object = super.putObject(...args);
    this.persist(args[0], object);
    return object;
  }

  override createMultipartUpload(...args: Parameters<S3Store['createMultipartUpload']>): string {
    const uploadId = super.createMultipartUpload(...args);
    this.uploads.set(uploadId, args[0]);
    return uploadId;
  }

  override abortMultipartUpload(uploadId: string): void {
    super.abortMultipartUpload(uploadId);
    this.uploads.delete(uploadId);
  }

  override completeMultipartUpload(...args: Parameters<S3Store['completeMultipartUpload']>): S3Object {
    const object = super.completeMultipartUpload(...args);
    const bucket = this.uploads.get(args[0]);
    this.uploads.delete(args[0]);
    if (bucket) this.persist(bucket, object);
    return object;
  }

  override deleteObject(bucket: string, key: string): void {
    super.deleteObject(bucket, key);
    rmSync(this.objectFile(bucket, key), { force: true });
  }

  override emptyBucket(name: string): void {
    super.emptyBucket(name);
    if (this.hasBucket(name)) this.removeObjectFiles(name);
  }

  override clearObjects(): void {
    super.clearObjects();
    for (const { name } of this.listBuckets()) this.removeObjectFiles(name);
  }

  override purgeAll(): void {
    const names = this.listBuckets().map((b) => b.name);
    super.purgeAll();
    for (const name of names) rmSync(this.bucketDir(name), { recursive: true, force: true });
  }

  private bucketDir(bucket: string): string {
    return join(this.dir, encodeURIComponent(bucket));
  }

  private objectFile(bucket: string, key: string): string {
    return join(this.bucketDir(bucket), `${createHash('sha256').update(key).digest('hex')}.object`);
  }

  private persist(bucket: string, object: S3Object): void {
    const head: StoredHead = {
      key: object.key,
      contentType: object.contentType,
      etag: object.etag,
      lastModified: object.lastModified.toISOString(),
      metadata: object.metadata,
    };
    const file = this.objectFile(bucket, object.key);
    writeFileAtomic(file, Buffer.concat([Buffer.from(`${JSON.stringify(head)}\n`), object.body]));
  }

  private removeObjectFiles(bucket: string): void {
    const dir = this.bucketDir(bucket);
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.object')) rmSync(join(dir, file), { force: true });
    }
  }

  /** Buckets and objects from the directory back into fauxqs's store: bytes, content type, metadata, ETag. */
  private load(): void {
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const bucket = decodeURIComponent(entry.name);
      super.createBucket(bucket);
      for (const file of readdirSync(join(this.dir, entry.name))) {
        if (!file.endsWith('.object')) continue; // a *.tmp left by a kill is an unfinished write
        const content = readFileSync(join(this.dir, entry.name, file));
        const newline = content.indexOf(0x0a);
        const head = JSON.parse(content.subarray(0, newline).toString('utf8')) as StoredHead;
        const object = super.putObject(
          bucket,
          head.key,
          content.subarray(newline + 1),
          head.contentType,
          head.metadata,
        );
        // A multipart upload's ETag is not the MD5 of the bytes: keep the one S3 answered.
        object.etag = head.etag;
        object.lastModified = new Date(head.lastModified);
      }
    }
  }
}
