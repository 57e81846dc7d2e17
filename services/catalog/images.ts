import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { requireEnv, s3 } from '../../lib/aws.ts';
import { bucketEnvVar } from '../../lib/topology.ts';
import type { ImageStore } from './domain/catalog.ts';

/** Product images in the service's S3 bucket; clients upload and download with presigned URLs. */
export class S3ImageStore implements ImageStore {
  /** The bucket is resolved on first use: only the API function is given one (service.ts `bucket`). */
  constructor(
    private readonly bucketName?: string,
    private readonly client = s3(),
  ) {}

  private get bucket(): string {
    return this.bucketName ?? requireEnv(bucketEnvVar('catalog-images'));
  }

  presignUpload(key: string, contentType: string, expiresInSeconds: number): Promise<string> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  async head(key: string): Promise<{ size: number; contentType?: string } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: head.ContentLength ?? 0,
        ...(head.ContentType ? { contentType: head.ContentType } : {}),
      };
    } catch (error) {
      if (
        error instanceof NotFound ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      )
        return undefined;
      throw error;
    }
  }

  presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
