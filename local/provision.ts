import {
  CreateTableCommand,
  DescribeTableCommand,
  type KeySchemaElement,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { fromRoot } from '../infra/paths.ts';
import { streamFailureQueueName } from '../infra/topology.ts';
import { dynamo, s3, sns, sqs } from '../lib/aws.ts';
import { DataApiSql } from '../lib/data-api.ts';
import { applyMigrations, migrationFiles } from '../lib/migrations.ts';
import {
  bucketEnvVar,
  DATABASE_ENV,
  DEAD_LETTER_QUEUES_ENV,
  dlqName,
  EMAIL_ENV,
  EVENT_TYPE_ATTRIBUTE,
  EVENTS_TOPIC,
  EVENTS_TOPIC_ENV,
  type KeyDecl,
  queueUrlEnvVar,
  type ServiceDecl,
  secretsPrefix,
  secretsPrefixEnvVar,
  type TableDecl,
  tableEnvVar,
} from '../lib/topology.ts';

/** The sender address of local email (aws-ses-v2-local accepts any). */
export const LOCAL_EMAIL_FROM = 'Azura Inventory <alerts@azura.local>';

/**
 * Creates, through the real AWS SDK against the emulators, every resource the service
 * declarations name — the same list the CDK app deploys. Safe to run again on existing resources.
 */
export interface ProvisionedQueue {
  service: string;
  name: string;
  url: string;
  arn: string;
  dlqUrl: string;
  /** Absent for a queue read by an outside party: nothing polls it. */
  handler?: string;
  batchSize: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

export interface ProvisionedTable {
  service: string;
  logicalName: string;
  tableName: string;
  streamArn?: string;
  stream?: TableDecl['stream'];
  /**
   * The stream's on-failure queue (`<table>-stream-dlq`), as the event source mapping's OnFailure
   * destination in AWS: the stream poller sends the metadata of the batches it gives up on here.
   */
  failureQueue?: { name: string; url: string; arn: string };
}

/**
 * A service's SQL database on the local Data API: its own PostgreSQL database there (a schema of
 * PGlite, local/rds-data.ts), named `${prefix}_${name}`, behind ARNs that look like AWS's.
 */
export interface ProvisionedDatabase {
  service: string;
  /** The logical name (`DatabaseDecl.name`). */
  name: string;
  /** The database name the Data API calls carry. */
  database: string;
  clusterArn: string;
  secretArn: string;
  /** Migration files applied by this provisioning (none when it was up to date). */
  applied: string[];
}

export interface Provisioned {
  prefix: string;
  topicArn: string;
  tables: ProvisionedTable[];
  queues: ProvisionedQueue[];
  databases: ProvisionedDatabase[];
  /** Extra queues that exist only for outside parties (e.g. the order platform's event feed). */
  buckets: Record<string, string>;
  /** Environment that tells handlers their resources' physical names. */
  env: Record<string, string>;
}

const keySchema = (pk: KeyDecl, sk?: KeyDecl): KeySchemaElement[] => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
];

export const physicalName = (prefix: string, name: string): string => `${prefix}-${name}`;

/** The local database of a stage's `name` database: `${prefix}_${name}`, in [a-z0-9_]. */
export const localDatabaseName = (prefix: string, name: string): string =>
  `${prefix}_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/**
 * Creates the database (the local Data API makes one on first use) and applies its migrations through
 * the same `DataApiSql` the functions use. Needs `AWS_ENDPOINT_URL_RDS_DATA`: without it the client
 * would go to AWS.
 */
async function ensureDatabase(
  prefix: string,
  service: string,
  decl: NonNullable<ServiceDecl['database']>,
): Promise<ProvisionedDatabase> {
  if (!process.env.AWS_ENDPOINT_URL_RDS_DATA) {
    throw new Error(
      `The ${service} service declares a database, but AWS_ENDPOINT_URL_RDS_DATA (the local Data API) is not set`,
    );
  }
  const config = {
    database: localDatabaseName(prefix, decl.name),
    clusterArn: `arn:aws:rds:us-east-1:000000000000:cluster:${prefix}-${decl.name}`,
    secretArn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${prefix}-${decl.name}-db`,
  };
  const { applied } = await applyMigrations(
    new DataApiSql(config),
    migrationFiles(fromRoot(decl.migrations)),
  );
  return { service, name: decl.name, ...config, applied };
}

async function ensureTable(prefix: string, table: TableDecl): Promise<string | undefined> {
  const TableName = physicalName(prefix, table.name);
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...(table.indexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey]),
  ]
    .filter((k): k is KeyDecl => Boolean(k))
    .filter((k, i, all) => all.findIndex((o) => o.name === k.name) === i);
  try {
    await dynamo().send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        ...(table.indexes?.length
          ? {
              GlobalSecondaryIndexes: table.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: keySchema(index.partitionKey, index.sortKey),
                Projection: { ProjectionType: 'ALL' },
              })),
            }
          : {}),
        ...(table.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
          : {}),
      }),
    );
    if (table.ttlAttribute) {
      await dynamo().send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const described = await dynamo().send(new DescribeTableCommand({ TableName }));
  return described.Table?.LatestStreamArn;
}

/** Creates the queue if it is missing (same attributes: a no-op) and returns its URL and ARN. */
export async function ensureQueue(
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const created = await sqs().send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl!;
  const attrs = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: attrs.Attributes!.QueueArn! };
}

export async function subscribeQueue(
  topicArn: string,
  queueArn: string,
  eventTypes?: string[],
): Promise<void> {
  await sns().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: {
        RawMessageDelivery: 'true',
        ...(eventTypes ? { FilterPolicy: JSON.stringify({ [EVENT_TYPE_ATTRIBUTE]: eventTypes }) } : {}),
      },
    }),
  );
}

export async function provision(prefix: string, services: readonly ServiceDecl[]): Promise<Provisioned> {
  const topic = await sns().send(new CreateTopicCommand({ Name: physicalName(prefix, EVENTS_TOPIC) }));
  const topicArn = topic.TopicArn!;
  const env: Record<string, string> = { [EVENTS_TOPIC_ENV]: topicArn };
  const tables: ProvisionedTable[] = [];
  const queues: ProvisionedQueue[] = [];
  const buckets: Record<string, string> = {};
  const databases: ProvisionedDatabase[] = [];

  for (const service of services) {
    // Secrets are created by the code that owns them (e.g. a supplier's on create): only the prefix here.
    if (service.functions.some((f) => f.secrets?.length)) {
      env[secretsPrefixEnvVar(service.name)] = secretsPrefix(prefix, service.name);
    }
    for (const table of service.tables) {
      const streamArn = await ensureTable(prefix, table);
      const tableName = physicalName(prefix, table.name);
      env[tableEnvVar(table.name)] = tableName;
      const failureQueueName = streamFailureQueueName(table.name);
      const failureQueue = table.stream
        ? { name: failureQueueName, ...(await ensureQueue(physicalName(prefix, failureQueueName))) }
        : undefined;
      tables.push({
        service: service.name,
        logicalName: table.name,
        tableName,
        streamArn,
        stream: table.stream,
        ...(failureQueue ? { failureQueue } : {}),
      });
    }
    for (const queue of service.queues) {
      const dlq = await ensureQueue(physicalName(prefix, dlqName(queue.name)));
      const main = await ensureQueue(physicalName(prefix, queue.name), {
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: String(queue.maxReceiveCount),
        }),
      });
      if (queue.subscribesTo) await subscribeQueue(topicArn, main.arn, queue.subscribesTo);
      queues.push({ service: service.name, ...queue, url: main.url, arn: main.arn, dlqUrl: dlq.url });
      // Locally every queue's URL is in the one process environment (in AWS only `sendsTo`'s).
      env[queueUrlEnvVar(queue.name)] = main.url;
    }
    if (service.bucket) {
      const Bucket = physicalName(prefix, service.bucket);
      try {
        await s3().send(new CreateBucketCommand({ Bucket }));
      } catch (error) {
        const name = (error as Error).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
      }
      buckets[service.bucket] = Bucket;
      env[bucketEnvVar(service.bucket)] = Bucket;
    }
    if (service.database) {
      // DATABASE_ENV names no database: every `database: true` function of the process shares them
      // (locally one process environment, as with tables). One database per system is what they allow.
      const other = databases.find((d) => d.name !== service.database!.name);
      if (other) {
        throw new Error(
          `The ${service.name} service declares the database ${service.database.name}, but ${other.service} ` +
            `already has ${other.name}: DATABASE_ENV names one database per system`,
        );
      }
      const database = await ensureDatabase(prefix, service.name, service.database);
      databases.push(database);
      env[DATABASE_ENV.clusterArn] = database.clusterArn;
      env[DATABASE_ENV.secretArn] = database.secretArn;
      env[DATABASE_ENV.name] = database.database;
    }
  }
  if (services.some((s) => s.functions.some((f) => f.sendsEmail))) {
    env[EMAIL_ENV.from] ??= LOCAL_EMAIL_FROM;
    env[EMAIL_ENV.configurationSet] ??= `${prefix}-notifications`;
  }
  if (services.some((s) => s.functions.some((f) => f.watchesDeadLetterQueues))) {
    const dlqs: Record<string, string> = {};
    for (const q of queues) dlqs[dlqName(q.name)] = q.dlqUrl;
    for (const t of tables) if (t.failureQueue) dlqs[t.failureQueue.name] = t.failureQueue.url;
    env[DEAD_LETTER_QUEUES_ENV] = JSON.stringify(dlqs);
  }
  return { prefix, topicArn, tables, queues, databases, buckets, env };
}
