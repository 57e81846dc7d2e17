import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSecretsManager, startLocalSecretsManager } from './secretsmanager.ts';

// The local Secrets Manager is only worth having if the real SDK client cannot tell it from AWS:
// every call below goes through @aws-sdk/client-secrets-manager, errors included.
const clientFor = (endpoint: string) =>
  new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

describe('the local Secrets Manager, through the real SDK client', () => {
  let server: LocalSecretsManager;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    server = await startLocalSecretsManager();
    client = clientFor(server.endpoint);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates, reads, replaces and describes a secret, keeping the previous version', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'app/one', SecretString: 'v1' }));
    const put = await client.send(new PutSecretValueCommand({ SecretId: 'app/one', SecretString: 'v2' }));

    const current = await client.send(new GetSecretValueCommand({ SecretId: created.ARN! }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/one', VersionStage: 'AWSPREVIOUS' }),
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'app/one' }));

    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:app\/one-.{6}$/);
    expect(current).toMatchObject({ Name: 'app/one', SecretString: 'v2', VersionId: put.VersionId });
    expect(current.CreatedDate).toBeInstanceOf(Date);
    expect(previous.SecretString).toBe('v1');
    expect(described.Name).toBe('app/one');
    expect(
      Object.values(described.VersionIdsToStages ?? {})
        .flat()
        .sort(),
    ).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('answers the errors the SDK knows: not found, already exists', async () => {
    await client.send(new CreateSecretCommand({ Name: 'app/two', SecretString: 'x' }));

    await expect(client.send(new GetSecretValueCommand({ SecretId: 'app/missing' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      client.send(new CreateSecretCommand({ Name: 'app/two', SecretString: 'y' })),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    await expect(
      client.send(new PutSecretValueCommand({ SecretId: 'app/missing', SecretString: 'y' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
  });

  it('treats a retried PutSecretValue (same ClientRequestToken, same value) as the first', async () => {
    await client.send(new CreateSecretCommand({ Name: 'app/three', SecretString: 'a' }));
    const token = '11111111-2222-3333-4444-555555555555';

    await client.send(
      new PutSecretValueCommand({ SecretId: 'app/three', SecretString: 'b', ClientRequestToken: token }),
    );
    await client.send(
      new PutSecretValueCommand({ SecretId: 'app/three', SecretString: 'b', ClientRequestToken: token }),
    );

    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/three', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('a');
  });

  it('lists secrets a page at a time', async () => {
    for (const name of ['list/a', 'list/b', 'list/c']) {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    }
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListSecretsCommand({ MaxResults: 2, NextToken: token }));
      names.push(...(page.SecretList ?? []).map((s) => s.Name!));
      token = page.NextToken;
    } while (token);

    expect(names.filter((n) => n.startsWith('list/'))).toEqual(['list/a', 'list/b', 'list/c']);
  });

  it('deletes a secret', async () => {
    await client.send(new CreateSecretCommand({ Name: 'app/four', SecretString: 'x' }));

    await client.send(new DeleteSecretCommand({ SecretId: 'app/four', ForceDeleteWithoutRecovery: true }));

    await expect(client.send(new DescribeSecretCommand({ SecretId: 'app/four' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('with a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'azura-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its secrets across a restart', async () => {
    const file = join(dir, 'secrets.json');
    const first = await startLocalSecretsManager({ file });
    await clientFor(first.endpoint).send(
      new CreateSecretCommand({ Name: 'kept', SecretString: 'still here' }),
    );
    await first.stop();

    const second = await startLocalSecretsManager({ file });
    try {
      const value = await clientFor(second.endpoint).send(new GetSecretValueCommand({ SecretId: 'kept' }));
      expect(value.SecretString).toBe('still here');
    } finally {
      await second.stop();
    }
  });
});
