import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { requireEnv, s3 } from '../../lib/aws.ts';
import { bucketEnvVar } from '../../lib/topology.ts';
import type { ContentStore, RenderedMessage } from './domain/delivery.ts';

export const CONTENT_BUCKET = 'notifications-content';

/** What was sent, for the delivery log: `deliveries/<id>.json` in the `notifications-content` bucket. */
export const contentKey = (deliveryId: string): string => `deliveries/${deliveryId}.json`;

export class S3ContentStore implements ContentStore {
  constructor(
    private readonly client: S3Client = s3(),
    private readonly bucket: () => string = () => requireEnv(bucketEnvVar(CONTENT_BUCKET)),
  ) {}

  async put(deliveryId: string, content: RenderedMessage): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket(),
        Key: contentKey(deliveryId),
        Body: JSON.stringify(content),
        ContentType: 'application/json; charset=utf-8',
      }),
    );
  }

  async get(deliveryId: string): Promise<RenderedMessage | undefined> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket(), Key: contentKey(deliveryId) }),
      );
      const body = await result.Body?.transformToString('utf-8');
      if (!body) return undefined;
      const { subject, html, text } = JSON.parse(body) as RenderedMessage;
      return { ...(subject !== undefined ? { subject } : {}), ...(html !== undefined ? { html } : {}), text };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

let store: ContentStore | undefined;
export function defaultContentStore(): ContentStore {
  store ??= new S3ContentStore();
  return store;
}
