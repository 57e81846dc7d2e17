import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { requireEnv, secretsManager } from '../../lib/aws.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { secretsPrefixEnvVar } from '../../lib/topology.ts';
import { SECRET_GRACE_SECONDS } from './contract.ts';
import type { WebhookSecrets } from './domain/model.ts';

/** What one supplier's secret holds: the current signing secret and, after a rotation, the previous one. */
const storedSecretSchema = z.object({
  current: z.string().startsWith('whsec_'),
  previous: z.string().startsWith('whsec_').optional(),
  previousValidUntil: z.iso.datetime().optional(),
  /** The rotation that made `current` (retries of it answer it again). */
  rotationId: z.string().optional(),
});
type StoredSecret = z.infer<typeof storedSecretSchema>;

/** A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The Secrets Manager name of a supplier's webhook secret, under the service's prefix. */
export const supplierSecretName = (prefix: string, supplierId: string): string =>
  `${prefix}suppliers/${supplierId}/webhook`;

export interface SecretsOptions {
  client?: SecretsManagerClient;
  /** The service's secrets prefix (default: REPLENISHMENT_SECRETS_PREFIX, read on first use). */
  prefix?: string;
  now?: () => Date;
  /** How long a read is reused within this process (default 30 s; 0: never cached). */
  cacheSeconds?: number;
  generate?: () => string;
}

/**
 * The suppliers' Standard Webhooks secrets in Secrets Manager (locally: the same SDK calls against
 * local/secretsmanager.ts), one secret per supplier holding `{ current, previous?,
 * previousValidUntil? }` as JSON. A rotation keeps the previous secret for SECRET_GRACE_SECONDS
 * (24 h) so that callbacks signed with it still verify while the supplier switches over.
 *
 * Reads are cached per process for a short while (Lambda containers live for minutes; a secret
 * read per webhook would be slow and costly). Writes made by this process update its cache at
 * once; another process sees a rotation after at most `cacheSeconds`, or at once when asked for a
 * `fresh` read — which the callback verification does when a signature does not verify.
 *
 * Concurrent rotations of one supplier are serialised by the caller (the supplier item's `rev`,
 * see Suppliers.rotateSecret): Secrets Manager has no conditional write of its own.
 */
export class SecretsManagerWebhookSecrets implements WebhookSecrets {
  private readonly client: SecretsManagerClient;
  private readonly now: () => Date;
  private readonly cacheMs: number;
  private readonly generate: () => string;
  private readonly cache = new Map<string, { value: StoredSecret; readAt: number }>();
  private prefix: string | undefined;

  constructor(options: SecretsOptions = {}) {
    this.client = options.client ?? secretsManager();
    this.now = options.now ?? (() => new Date());
    this.cacheMs = (options.cacheSeconds ?? 30) * 1000;
    this.generate = options.generate ?? generateWebhookSecret;
    this.prefix = options.prefix;
  }

  private nameOf(supplierId: string): string {
    this.prefix ??= requireEnv(secretsPrefixEnvVar('replenishment'));
    return supplierSecretName(this.prefix, supplierId);
  }

  async create(supplierId: string): Promise<string> {
    const value: StoredSecret = { current: this.generate() };
    const SecretString = JSON.stringify(value);
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: this.nameOf(supplierId),
          SecretString,
          Description: `Standard Webhooks signing secret of supplier ${supplierId}`,
        }),
      );
    } catch (error) {
      // Left by an earlier attempt at this very creation (the caller owns the new supplier): replace it.
      if (!(error instanceof ResourceExistsException)) throw error;
      await this.client.send(new PutSecretValueCommand({ SecretId: this.nameOf(supplierId), SecretString }));
    }
    this.remember(supplierId, value);
    return value.current;
  }

  async rotate(
    supplierId: string,
    options: { rotationId?: string } = {},
  ): Promise<{ secret: string; previousValidUntil: string }> {
    const before = await this.read(supplierId, true);
    const now = this.now();
    // No secret yet (a creation that stopped half-way): the new one is the first, nothing to keep.
    if (!before) return { secret: await this.create(supplierId), previousValidUntil: now.toISOString() };
    if (options.rotationId !== undefined && before.rotationId === options.rotationId) {
      return { secret: before.current, previousValidUntil: before.previousValidUntil ?? now.toISOString() };
    }
    const value: StoredSecret = {
      current: this.generate(),
      previous: before.current,
      previousValidUntil: new Date(now.getTime() + SECRET_GRACE_SECONDS * 1000).toISOString(),
      ...(options.rotationId !== undefined ? { rotationId: options.rotationId } : {}),
    };
    await this.client.send(
      new PutSecretValueCommand({ SecretId: this.nameOf(supplierId), SecretString: JSON.stringify(value) }),
    );
    this.remember(supplierId, value);
    return { secret: value.current, previousValidUntil: value.previousValidUntil! };
  }

  async signing(supplierId: string): Promise<string> {
    const value = await this.read(supplierId, false);
    if (!value) throw new NotFoundError(`Supplier ${supplierId} has no signing secret`, { supplierId });
    return value.current;
  }

  async verifying(supplierId: string, options: { fresh?: boolean } = {}): Promise<string[]> {
    const value = await this.read(supplierId, options.fresh ?? false);
    if (!value) return [];
    const previousValid =
      value.previous !== undefined &&
      value.previousValidUntil !== undefined &&
      Date.parse(value.previousValidUntil) > this.now().getTime();
    return previousValid ? [value.current, value.previous!] : [value.current];
  }

  private remember(supplierId: string, value: StoredSecret): void {
    this.cache.set(supplierId, { value, readAt: Date.now() });
  }

  /**
   * The stored value (undefined: the supplier has no secret), from the cache unless `fresh`. An
   * absence is not cached: a supplier created by another process is seen at once.
   */
  private async read(supplierId: string, fresh: boolean): Promise<StoredSecret | undefined> {
    const cached = this.cache.get(supplierId);
    if (!fresh && cached && Date.now() - cached.readAt < this.cacheMs) return cached.value;
    try {
      const { SecretString } = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.nameOf(supplierId) }),
      );
      const value = storedSecretSchema.parse(JSON.parse(SecretString ?? 'null'));
      this.remember(supplierId, value);
      return value;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      this.cache.delete(supplierId);
      return undefined;
    }
  }
}
