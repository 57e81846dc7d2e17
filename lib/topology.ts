import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * The topology vocabulary. Every service declares what it has — tables, functions, the queues
 * that feed them, the events it publishes — once, in its `service.ts`, using these types.
 * `infra/` (CDK) and `local/` (the embedded runtime) are both built from those declarations,
 * so the two worlds cannot drift.
 */

/** The one SNS topic every domain event is published on. */
export const EVENTS_TOPIC = 'inventory-events';

/** Attribute carried by every SNS message; subscriptions filter on it. */
export const EVENT_TYPE_ATTRIBUTE = 'type';

export type KeyType = 'S' | 'N';

export interface KeyDecl {
  name: string;
  type: KeyType;
}

export interface IndexDecl {
  name: string;
  partitionKey: KeyDecl;
  sortKey?: KeyDecl;
}

export interface TableDecl {
  /** Logical name, unique across the system (e.g. `stock`). Physical names get a prefix. */
  name: string;
  partitionKey: KeyDecl;
  sortKey?: KeyDecl;
  indexes?: IndexDecl[];
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes the item after it. */
  ttlAttribute?: string;
  /** A stream of item changes, consumed by the function named here. */
  stream?: { handler: string; batchSize: number; maxAttempts: number };
}

/** A Lambda function: its module (relative to the repo root) exports `handler`. */
export interface FunctionDecl {
  /** Logical id, unique within the service (e.g. `reserve`). */
  id: string;
  /** Module path from the repo root, e.g. `services/stock/handlers/sweeper.ts`. */
  entry: string;
  description: string;
  timeoutSeconds?: number;
  memoryMb?: number;
  /** Tables of this service the function may read/write (by logical name). */
  tables: string[];
  /** Publishes on the events topic. */
  publishes?: boolean;
  /** Runs on a schedule (EventBridge rule in AWS, a timer locally). */
  scheduleMinutes?: number;
  /** Serves these HTTP route prefixes (API Gateway proxy in AWS, one Node server locally). */
  http?: string[];
  /** Needs the S3 bucket of this service. */
  bucket?: boolean;
  /**
   * Step Functions workflows this function drives, and how: `start` executions, `read` their
   * history, `answer` callback tasks (SendTaskSuccess/Failure/Heartbeat). It then learns the state
   * machine's ARN from `stateMachineEnvVar(workflow)` and gets exactly those rights.
   */
  drives?: { workflow: string; can: WorkflowClientRight[] }[];
  /**
   * Secrets of this service (Secrets Manager, names under `secretsPrefixEnvVar(service)`): `read`
   * their values, `write` create and update them. Locally the same calls go to a local endpoint.
   */
  secrets?: SecretsRight[];
  /** Packages installed beside the bundle instead of bundled (they read their own files at run time). */
  bundleNodeModules?: string[];
  /**
   * Queues of this service the function sends messages to (e.g. a work queue it fans out to). It
   * learns each one's URL from `queueUrlEnvVar(queue)` and may only SendMessage to those.
   */
  sendsTo?: string[];
  /**
   * Sends email with SES v2 (`SendEmail`) from the stage's sender identity, through the stage's
   * configuration set (bounces and complaints come back as events). It learns both from
   * `EMAIL_ENV`. Locally the same calls go to aws-ses-v2-local.
   */
  sendsEmail?: boolean;
  /** Sends SMS with SNS `Publish` to a `PhoneNumber` (Transactional). Locally captured by the SNS stand-in. */
  sendsSms?: boolean;
  /**
   * Reads the depth of every dead-letter queue of the system (SQS `GetQueueAttributes`), to alert
   * operators; learns them as JSON `{ logicalName: url }` from `DEAD_LETTER_QUEUES_ENV`.
   */
  watchesDeadLetterQueues?: boolean;
  /**
   * Uses its service's SQL database (Aurora PostgreSQL through the RDS Data API): it learns the
   * cluster, the secret and the database name from `DATABASE_ENV` and may run statements and
   * transactions on that cluster only. Locally the same client goes to the local Data API.
   */
  database?: boolean;
}

/**
 * A service's SQL database: Aurora PostgreSQL Serverless v2 with the Data API in AWS (infra/), a
 * PGlite database behind the local Data API endpoint locally. Its versioned migrations (`NNN_*.sql`
 * in `migrations`, applied in order, each once) run on deploy and on provisioning.
 */
export interface DatabaseDecl {
  /** Logical name, e.g. `reporting`; the database inside the cluster is named after it. */
  name: string;
  /** Folder of the migration files, from the repo root. */
  migrations: string;
}

/** An SQS queue feeding one function, with its dead-letter queue. */
export interface QueueDecl {
  /** Physical-ish name (prefixed at deploy), e.g. `stock-catalog-events`. */
  name: string;
  /**
   * Function id (within the same service) that consumes it. None: the queue is read by an outside
   * party (with `external`), e.g. the local `platform-events` feed of the order platform.
   */
  handler?: string;
  batchSize: number;
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to `<name>-dlq`. */
  maxReceiveCount: number;
  /** Subscribe this queue to the events topic for these event types (raw delivery + filter). */
  subscribesTo?: string[];
  /**
   * Fed by SES's events of the stage's configuration set (bounces, complaints, deliveries: SNS
   * notifications, not raw) instead of the events topic. Locally nothing feeds it.
   */
  fedBy?: 'email-feedback';
  /** Published to by an outside party (the order platform): exported as a stack output. */
  external?: boolean;
}

export interface ServiceDecl {
  name: string;
  tables: TableDecl[];
  functions: FunctionDecl[];
  queues: QueueDecl[];
  /** Event types this service publishes (documentation and contract tests). */
  publishes: string[];
  /** An S3 bucket owned by the service (logical name). */
  bucket?: string;
  /** Step Functions state machines (Standard) owned by the service. */
  workflows?: WorkflowDecl[];
  /** A SQL database owned by the service. */
  database?: DatabaseDecl;
}

/** A function a workflow's Task states invoke: a declared function of some service. */
export interface WorkflowTaskDecl {
  service: string;
  functionId: string;
}

/**
 * A Step Functions state machine, defined once with CDK constructs. `infra/` calls `build` with
 * the real functions; the local runtime calls it with placeholders, extracts the ASL and runs it
 * with the very handler modules of the functions named in `tasks`.
 */
export interface WorkflowDecl<Task extends string = string> {
  /** Logical name, unique across the system (e.g. `order-saga`). Physical names get a prefix. */
  name: string;
  description: string;
  /** The functions the definition invokes, by the key `build` receives them under. */
  tasks: Record<Task, WorkflowTaskDecl>;
  /** Builds the definition: the chain of states, invoking `fns[task]`. */
  build(scope: Construct, fns: Record<Task, IFunction>): IChainable;
  /** Whole-execution timeout. */
  timeoutSeconds?: number;
}

export type WorkflowClientRight = 'start' | 'read' | 'answer';
export type SecretsRight = 'read' | 'write';

export const dlqName = (queue: string): string => `${queue}-dlq`;

/** Environment variable through which a function learns a table's physical name. */
export const tableEnvVar = (table: string): string => `${table.toUpperCase().replace(/-/g, '_')}_TABLE`;
export const bucketEnvVar = (bucket: string): string => `${bucket.toUpperCase().replace(/-/g, '_')}_BUCKET`;
export const EVENTS_TOPIC_ENV = 'EVENTS_TOPIC_ARN';
/** Environment variable through which a function learns a state machine's ARN (e.g. ORDER_SAGA_STATE_MACHINE_ARN). */
export const stateMachineEnvVar = (workflow: string): string =>
  `${workflow.toUpperCase().replace(/-/g, '_')}_STATE_MACHINE_ARN`;
/**
 * Environment variable through which a function learns the name prefix of its service's secrets
 * (e.g. REPLENISHMENT_SECRETS_PREFIX = `azura-dev/replenishment/`): it may touch only those.
 */
export const secretsPrefixEnvVar = (service: string): string =>
  `${service.toUpperCase().replace(/-/g, '_')}_SECRETS_PREFIX`;
/** The secrets name prefix of a service in a stage. */
export const secretsPrefix = (stagePrefix: string, service: string): string => `${stagePrefix}/${service}/`;
/** Where a function learns the public base URL of the HTTP API (e.g. for callback URLs it hands out). */
export const PUBLIC_API_URL_ENV = 'PUBLIC_API_URL';

/** Environment variable through which a function learns a queue's URL (e.g. NOTIFICATIONS_SEND_QUEUE_URL). */
export const queueUrlEnvVar = (queue: string): string =>
  `${queue.toUpperCase().replace(/-/g, '_')}_QUEUE_URL`;
/** Where a `sendsEmail` function learns its sender address and SES configuration set. */
export const EMAIL_ENV = { from: 'EMAIL_FROM', configurationSet: 'SES_CONFIGURATION_SET' } as const;
/** Where a `watchesDeadLetterQueues` function learns every DLQ: JSON `{ "<logical name>": "<url>" }`. */
export const DEAD_LETTER_QUEUES_ENV = 'DEAD_LETTER_QUEUES';
/** Where functions learn the dashboard's base URL (links in alerts and emails). */
export const DASHBOARD_URL_ENV = 'DASHBOARD_URL';
/** Where a function with `database` learns its database (RDS Data API parameters). */
export const DATABASE_ENV = {
  clusterArn: 'DB_CLUSTER_ARN',
  secretArn: 'DB_SECRET_ARN',
  name: 'DB_NAME',
} as const;
