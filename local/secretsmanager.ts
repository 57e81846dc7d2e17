import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, replyJson } from './aws-http.ts';
import { writeFileAtomic } from './files.ts';

/**
 * A local stand-in for AWS Secrets Manager, speaking its real wire protocol (AWS JSON 1.1:
 * `POST /`, `X-Amz-Target: secretsmanager.<Operation>`, JSON in and out, errors as
 * `{ "__type": "<Exception>", "message": … }` with status 400), so the real
 * `@aws-sdk/client-secrets-manager` client runs unchanged against it through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Only what this system uses: CreateSecret, GetSecretValue,
 * PutSecretValue, DescribeSecret, DeleteSecret, ListSecrets (the health check) — string secrets, the AWSCURRENT / AWSPREVIOUS
 * stages, idempotent ClientRequestToken. Signatures are not checked (any credentials pass).
 *
 * With a file, every change is written through (to a temporary file, then renamed: a kill leaves
 * the old state or the new one) and read back on start, so secrets survive a restart as
 * DynamoDB Local's data does; without one, it keeps them in memory.
 */
export interface LocalSecretsManager {
  endpoint: string;
  stop(): Promise<void>;
}

interface Version {
  id: string;
  value: string;
  stages: string[];
  createdAt: number;
}

interface Secret {
  name: string;
  arn: string;
  description?: string;
  createdAt: number;
  changedAt: number;
  /** Epoch seconds; a deleted secret is refused by every operation but Describe (as in AWS). */
  deletedAt?: number;
  versions: Version[];
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const MAX_BODY_BYTES = 1024 * 1024;

class SecretsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = () =>
  new SecretsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalid = (message: string) => new SecretsError('InvalidParameterException', message);
const epochSeconds = () => Date.now() / 1000;

/** Secrets Manager's ARN: the name and a random 6-character suffix. */
const arnOf = (name: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomBytes(4).toString('base64url').slice(0, 6)}`;

class SecretsState {
  private readonly secrets = new Map<string, Secret>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { secrets: Secret[] };
      for (const secret of saved.secrets) this.secrets.set(secret.name, secret);
    }
  }

  private persist(): void {
    if (!this.file) return;
    writeFileAtomic(this.file, JSON.stringify({ secrets: [...this.secrets.values()] }));
  }

  private find(secretId: unknown, { includeDeleted = false } = {}): Secret {
    if (typeof secretId !== 'string' || !secretId) throw invalid('SecretId is required.');
    const secret = this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.arn === secretId);
    if (!secret) throw notFound();
    if (secret.deletedAt !== undefined && !includeDeleted) {
      throw new SecretsError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    return secret;
  }

  private addVersion(secret: Secret, value: string, token: string): Version {
    const existing = secret.versions.find((v) => v.id === token);
    if (existing) {
      if (existing.value !== value) {
        throw new SecretsError(
          'ResourceExistsException',
          'A resource with the ID you requested already exists with a different value.',
        );
      }
      return existing;
    }
    for (const version of secret.versions) {
      if (version.stages.includes('AWSCURRENT')) version.stages = ['AWSPREVIOUS'];
      else version.stages = version.stages.filter((s) => s !== 'AWSPREVIOUS');
    }
    const version: Version = { id: token, value, stages: ['AWSCURRENT'], createdAt: epochSeconds() };
    // Keep the current and previous versions only (AWS deprecates the rest as well).
    secret.versions = [...secret.versions.filter((v) => v.stages.length > 0), version];
    secret.changedAt = version.createdAt;
    return version;
  }

  createSecret(input: Record<string, unknown>) {
    const name = input.Name;
    if (typeof name !== 'string' || !/^[\w/+=.@-]{1,512}$/.test(name)) {
      throw invalid('Name must be 1-512 characters of letters, digits and /_+=.@-');
    }
    if (input.SecretString !== undefined && typeof input.SecretString !== 'string') {
      throw invalid('SecretString must be a string.');
    }
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
    const existing = this.secrets.get(name);
    if (existing) {
      // The SDK retries with the same token: the same request again is the first's answer.
      const same = existing.versions.find((v) => v.id === token && v.value === input.SecretString);
      if (!same || existing.deletedAt !== undefined) {
        throw new SecretsError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      return { ARN: existing.arn, Name: name, VersionId: same.id };
    }
    const now = epochSeconds();
    const secret: Secret = {
      name,
      arn: arnOf(name),
      ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
      createdAt: now,
      changedAt: now,
      versions: [],
    };
    const version =
      typeof input.SecretString === 'string' ? this.addVersion(secret, input.SecretString, token) : undefined;
    this.secrets.set(name, secret);
    this.persist();
    return { ARN: secret.arn, Name: name, ...(version ? { VersionId: version.id } : {}) };
  }

  putSecretValue(input: Record<string, unknown>) {
    const secret = this.find(input.SecretId);
    if (typeof input.SecretString !== 'string') throw invalid('SecretString is required.');
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
    const version = this.addVersion(secret, input.SecretString, token);
    this.persist();
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
  }

  getSecretValue(input: Record<string, unknown>) {
    const secret = this.find(input.SecretId);
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : 'AWSCURRENT';
    const version =
      typeof input.VersionId === 'string'
        ? secret.versions.find((v) => v.id === input.VersionId)
        : secret.versions.find((v) => v.stages.includes(stage));
    if (!version) {
      throw new SecretsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for the requested version or staging label.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: version.stages,
      CreatedDate: version.createdAt,
    };
  }

  describeSecret(input: Record<string, unknown>) {
    const secret = this.find(input.SecretId, { includeDeleted: true });
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description ? { Description: secret.description } : {}),
      CreatedDate: secret.createdAt,
      LastChangedDate: secret.changedAt,
      ...(secret.deletedAt !== undefined ? { DeletedDate: secret.deletedAt } : {}),
      VersionIdsToStages: Object.fromEntries(secret.versions.map((v) => [v.id, v.stages])),
    };
  }

  /** Names in order; `NextToken` is the index to go on from (for the health check and operators). */
  listSecrets(input: Record<string, unknown>) {
    const all = [...this.secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
    const max = typeof input.MaxResults === 'number' ? Math.min(Math.max(1, input.MaxResults), 100) : 100;
    const start = typeof input.NextToken === 'string' ? Number(input.NextToken) || 0 : 0;
    const page = all.slice(start, start + max);
    return {
      SecretList: page.map((s) => ({
        ARN: s.arn,
        Name: s.name,
        CreatedDate: s.createdAt,
        LastChangedDate: s.changedAt,
        ...(s.deletedAt !== undefined ? { DeletedDate: s.deletedAt } : {}),
      })),
      ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
    };
  }

  /** Deletes at once (locally there is no recovery window to wait for). */
  deleteSecret(input: Record<string, unknown>) {
    const secret = this.find(input.SecretId, { includeDeleted: true });
    this.secrets.delete(secret.name);
    this.persist();
    return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds() };
  }
}

type Operation = (input: Record<string, unknown>) => unknown;

const reply = (response: ServerResponse, status: number, body: unknown, errorType?: string): void =>
  replyJson(response, 'application/x-amz-json-1.1', status, body, errorType);

/** Starts the endpoint on 127.0.0.1 (port 0: any free port). */
export async function startLocalSecretsManager(
  options: { file?: string; port?: number } = {},
): Promise<LocalSecretsManager> {
  const state = new SecretsState(options.file);
  const operations = new Map<string, Operation>([
    ['CreateSecret', (i) => state.createSecret(i)],
    ['PutSecretValue', (i) => state.putSecretValue(i)],
    ['GetSecretValue', (i) => state.getSecretValue(i)],
    ['DescribeSecret', (i) => state.describeSecret(i)],
    ['DeleteSecret', (i) => state.deleteSecret(i)],
    ['ListSecrets', (i) => state.listSecrets(i)],
  ]);

  const server = createServer(async (request, response) => {
    try {
      const target = request.headers['x-amz-target'];
      const name = typeof target === 'string' ? /^secretsmanager\.(\w+)$/.exec(target)?.[1] : undefined;
      if (request.method !== 'POST' || !name) {
        throw new SecretsError(
          'UnknownOperationException',
          'Expected POST / with X-Amz-Target: secretsmanager.<Operation>',
        );
      }
      const operation = operations.get(name);
      if (!operation)
        throw new SecretsError('UnknownOperationException', `Operation ${name} is not supported locally`);
      const text = await readBody(request, MAX_BODY_BYTES, () => invalid('Request body too large.'));
      let input: unknown;
      try {
        input = text ? JSON.parse(text) : {};
      } catch {
        throw new SecretsError('SerializationException', 'The request body is not JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new SecretsError('SerializationException', 'The request body must be a JSON object.');
      }
      reply(response, 200, operation(input as Record<string, unknown>));
    } catch (error) {
      if (error instanceof SecretsError) {
        reply(response, 400, { __type: error.type, message: error.message }, error.type);
      } else {
        reply(
          response,
          500,
          { __type: 'InternalServiceError', message: (error as Error).message },
          'InternalServiceError',
        );
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
