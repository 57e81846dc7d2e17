import { ArnFormat, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, Effect, Grant, type IManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { type ITopic, SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  bucketEnvVar,
  DASHBOARD_URL_ENV,
  DATABASE_ENV,
  EMAIL_ENV,
  EVENT_TYPE_ATTRIBUTE,
  EVENTS_TOPIC_ENV,
  type FunctionDecl,
  PUBLIC_API_URL_ENV,
  type QueueDecl,
  queueUrlEnvVar,
  type SecretsRight,
  type ServiceDecl,
  secretsPrefix,
  secretsPrefixEnvVar,
  type TableDecl,
  tableEnvVar,
} from '../../lib/topology.ts';
import { pascalCase, streamFailureQueueName } from '../topology.ts';
import { grantDatabase } from './database.ts';
import type { UserDirectory } from './directory.ts';
import { ServiceFunction } from './function.ts';
import { DeadLetterQueue, QueueWithDlq } from './queue.ts';

/** What a service may use from the stateful stack. */
export interface SharedResources {
  key: IKey;
  tables: ReadonlyMap<string, ITable>;
  buckets: ReadonlyMap<string, IBucket>;
  /** Per bucket, the policy granting object read/write (see StatefulStack). */
  bucketAccess: ReadonlyMap<string, IManagedPolicy>;
  eventsTopic: ITopic;
  alarmTopic: ITopic;
  /** Every HTTP function verifies callers against it. */
  directory: UserDirectory;
  /** Email (SES), when some function sends it. */
  mail?: MailResources;
  /** Per service (by name), its SQL database, when it declares one. */
  databases?: ReadonlyMap<string, DatabaseResources>;
}

/** A service's database as its functions use it (the Data API's resourceArn, secretArn, database). */
export interface DatabaseResources {
  clusterArn: string;
  secretArn: string;
  databaseName: string;
}

/** The stage's email resources (see `Mail`), as the services use them. */
export interface MailResources {
  fromAddress: string;
  identityArn: string;
  configurationSetName: string;
  configurationSetArn: string;
  /** SES's bounce/complaint/delivery events. */
  feedbackTopic: ITopic;
}

/** Item-level read and write; transactions are authorized by these same actions. */
const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DescribeTable',
];
/** What DynamoDB needs of the caller to use a table encrypted with the customer-managed key. */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/** Secrets Manager actions per declared right, on the service's own secrets (by name prefix). */
const SECRETS_ACTIONS: Record<SecretsRight, string[]> = {
  read: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
  write: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource'],
};
/** What Secrets Manager needs of the caller to use secrets encrypted with the customer-managed key. */
const SECRETS_KEY_ACTIONS: Record<SecretsRight, string[]> = {
  read: ['kms:Decrypt'],
  write: ['kms:GenerateDataKey', 'kms:Decrypt'],
};
/**
 * The key functions pass as `KmsKeyId` when they create a secret: the stage's customer-managed key
 * (not the account's default `aws/secretsmanager`), so the secrets are encrypted like the tables.
 */
export const SECRETS_KMS_KEY_ENV = 'SECRETS_KMS_KEY_ID';

/** A route prefix of the HTTP API and the function that serves everything under it. */
export interface HttpRoute {
  prefix: string;
  service: string;
  function: ServiceFunction;
}

export interface ServiceConstructProps {
  decl: ServiceDecl;
  prefix: string;
  shared: SharedResources;
  /** The service signs users in and manages their roles in the directory (the identity service). */
  administersDirectory?: boolean;
  /** AWS accounts of the outside parties using the service's external queues (the order platform's). */
  externalAccounts?: string[];
  /**
   * The public base URL of the HTTP API (the `publicApiUrl` stage setting), given to every function
   * as `PUBLIC_API_URL`: the callback URLs handed to suppliers are built from it.
   */
  publicApiUrl?: string;
  /** The dashboard's base URL (`-c dashboardUrl`), for links in alerts and emails. */
  dashboardUrl?: string;
}

/**
 * One service, built from its declaration (`services/<name>/service.ts`) and nothing else:
 * its functions, the stream and queue mappings that feed them, subscriptions, schedules, and
 * the HTTP routes it serves. Each function may touch only the tables it declares, which must be
 * its own service's.
 */
export class ServiceConstruct extends Construct {
  readonly functions = new Map<string, ServiceFunction>();
  readonly queues = new Map<string, QueueWithDlq>();
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  readonly routes: HttpRoute[] = [];
  private readonly props: ServiceConstructProps;

  constructor(scope: Construct, id: string, props: ServiceConstructProps) {
    super(scope, id);
    this.props = props;
    for (const fn of props.decl.functions) this.addFunction(fn);
    for (const table of props.decl.tables) this.addStream(table);
    for (const queue of props.decl.queues) this.addQueue(queue);
    for (const fn of props.decl.functions) this.grantSends(fn);
  }

  /** A function's `sendsTo`: SendMessage to exactly those queues of its own service, and their URLs. */
  private grantSends(fn: FunctionDecl): void {
    const created = this.functionOf(fn.id, 'function');
    for (const name of fn.sendsTo ?? []) {
      const queue = this.queues.get(name);
      if (!queue)
        throw new Error(
          `${this.props.decl.name}/${fn.id} sends to ${name}, which the service does not declare`,
        );
      queue.queue.grantSendMessages(created.fn);
      created.fn.addEnvironment(queueUrlEnvVar(name), queue.queue.queueUrl);
    }
  }

  /** The function, its grants, its routes and its schedule. */
  private addFunction(fn: FunctionDecl): void {
    const { decl, shared, prefix } = this.props;
    const foreign = fn.tables.filter((t) => !decl.tables.some((own) => own.name === t));
    if (foreign.length) {
      throw new Error(`${decl.name}/${fn.id} declares tables of another service: ${foreign.join(', ')}`);
    }
    const created = new ServiceFunction(this, fn.id, {
      service: decl.name,
      decl: fn,
      prefix,
      environment: this.environmentOf(fn),
      alarmTopic: shared.alarmTopic,
    });
    this.grant(created);
    this.functions.set(fn.id, created);
    for (const path of fn.http ?? [])
      this.routes.push({ prefix: path, service: decl.name, function: created });
    if (fn.scheduleMinutes) {
      new Rule(this, `${fn.id}Schedule`, {
        description: `Runs ${decl.name}/${fn.id} every ${fn.scheduleMinutes} minute(s)`,
        schedule: Schedule.rate(Duration.minutes(fn.scheduleMinutes)),
        targets: [new LambdaFunction(created.fn, { retryAttempts: 2 })],
      });
    }
  }

  /** A table's stream to its handler; records that keep failing go to `<table>-stream-dlq`. */
  private addStream(table: TableDecl): void {
    if (!table.stream) return;
    const { shared, prefix } = this.props;
    const consumer = this.functionOf(table.stream.handler, `stream of table ${table.name}`);
    const failures = new DeadLetterQueue(this, `${table.name}StreamFailures`, {
      name: streamFailureQueueName(table.name),
      prefix,
      role: 'stream-dlq',
      alarmTopic: shared.alarmTopic,
    });
    this.deadLetterQueues.push(failures);
    consumer.fn.addEventSource(
      new DynamoEventSource(this.tableOf(table.name), {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: table.stream.batchSize,
        // maxAttempts counts the first attempt; Lambda's retryAttempts counts the ones after it.
        retryAttempts: Math.max(0, table.stream.maxAttempts - 1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(failures.queue),
      }),
    );
  }

  /** A queue with its DLQ, its consumer (if any), its subscription (if any), and its URL if external. */
  private addQueue(queueDecl: QueueDecl): void {
    const { decl, shared, prefix } = this.props;
    const consumer = queueDecl.handler
      ? this.functionOf(queueDecl.handler, `queue ${queueDecl.name}`)
      : undefined;
    const timeout = consumer?.fn.timeout?.toSeconds() ?? 0;
    if (queueDecl.visibilityTimeoutSeconds < timeout) {
      throw new Error(
        `${queueDecl.name}: visibility timeout ${queueDecl.visibilityTimeoutSeconds}s is shorter than ` +
          `the timeout of ${decl.name}/${queueDecl.handler} (${timeout}s); messages would be processed twice`,
      );
    }
    const work = new QueueWithDlq(this, queueDecl.name, {
      name: queueDecl.name,
      prefix,
      visibilityTimeout: Duration.seconds(queueDecl.visibilityTimeoutSeconds),
      maxReceiveCount: queueDecl.maxReceiveCount,
      alarmTopic: shared.alarmTopic,
    });
    this.queues.set(queueDecl.name, work);
    this.deadLetterQueues.push(work.deadLetters);
    consumer?.fn.addEventSource(
      new SqsEventSource(work.queue, { batchSize: queueDecl.batchSize, reportBatchItemFailures: true }),
    );
    if (queueDecl.fedBy === 'email-feedback') {
      if (!shared.mail)
        throw new Error(`${queueDecl.name} is fed by email feedback, but no function sends email`);
      // SNS notifications (not raw): the SES event is the notification's Message.
      shared.mail.feedbackTopic.addSubscription(new SqsSubscription(work.queue));
    }
    if (queueDecl.subscribesTo?.length) {
      shared.eventsTopic.addSubscription(
        new SqsSubscription(work.queue, {
          rawMessageDelivery: true,
          filterPolicy: {
            [EVENT_TYPE_ATTRIBUTE]: SubscriptionFilter.stringFilter({ allowlist: queueDecl.subscribesTo }),
          },
        }),
      );
    }
    if (queueDecl.external) {
      // The outside party sends to a queue we consume, and reads one nobody here consumes.
      for (const account of this.props.externalAccounts ?? []) {
        const principal = new AccountPrincipal(account);
        if (consumer) work.queue.grantSendMessages(principal);
        else work.queue.grantConsumeMessages(principal);
      }
      new CfnOutput(this, `${queueDecl.name}QueueUrl`, {
        description: consumer
          ? `URL of ${queueDecl.name}: the outside party sends its messages here`
          : `URL of ${queueDecl.name}: the outside party reads its events here`,
        value: work.queue.queueUrl,
      }).overrideLogicalId(`${pascalCase(queueDecl.name)}QueueUrl`);
    }
  }

  private environmentOf(fn: FunctionDecl): Record<string, string> {
    const { shared } = this.props;
    const env: Record<string, string> = {};
    for (const table of fn.tables) env[tableEnvVar(table)] = this.tableOf(table).tableName;
    if (fn.publishes) env[EVENTS_TOPIC_ENV] = shared.eventsTopic.topicArn;
    if (fn.bucket) env[bucketEnvVar(this.bucketName())] = this.bucketOf(this.bucketName()).bucketName;
    if (fn.http?.length) Object.assign(env, shared.directory.verifierEnvironment());
    if (fn.secrets?.length) {
      env[secretsPrefixEnvVar(this.props.decl.name)] = this.secretsPrefix();
      env[SECRETS_KMS_KEY_ENV] = shared.key.keyArn;
    }
    if (this.props.publicApiUrl) env[PUBLIC_API_URL_ENV] = this.props.publicApiUrl;
    if (this.props.dashboardUrl) env[DASHBOARD_URL_ENV] = this.props.dashboardUrl;
    if (fn.database) {
      const database = this.databaseOf(fn);
      env[DATABASE_ENV.clusterArn] = database.clusterArn;
      env[DATABASE_ENV.secretArn] = database.secretArn;
      env[DATABASE_ENV.name] = database.databaseName;
    }
    if (fn.sendsEmail) {
      if (!shared.mail) throw new Error('a function sends email, but the stateful stack has no Mail');
      env[EMAIL_ENV.from] = shared.mail.fromAddress;
      env[EMAIL_ENV.configurationSet] = shared.mail.configurationSetName;
    }
    return env;
  }

  /**
   * Exactly what the declaration says, nothing more: the declared tables and their declared
   * indexes (no `index/*`), publishing on the topic, the service's bucket.
   */
  private grant(created: ServiceFunction): void {
    const { decl: fn, fn: lambda } = created;
    const { shared, administersDirectory } = this.props;
    for (const name of fn.tables) {
      const table = this.tableOf(name);
      const decl = this.props.decl.tables.find((t) => t.name === name) as TableDecl;
      Grant.addToPrincipal({
        grantee: lambda,
        actions: TABLE_DATA_ACTIONS,
        resourceArns: [
          table.tableArn,
          ...(decl.indexes ?? []).map((index) => `${table.tableArn}/index/${index.name}`),
        ],
      });
    }
    if (fn.tables.length) shared.key.grant(lambda, ...TABLE_KEY_ACTIONS);
    if (fn.publishes) {
      Grant.addToPrincipal({
        grantee: lambda,
        actions: ['sns:Publish'],
        resourceArns: [shared.eventsTopic.topicArn],
      });
      shared.key.grant(lambda, 'kms:Decrypt', 'kms:GenerateDataKey');
    }
    if (administersDirectory) {
      for (const [name, value] of Object.entries(shared.directory.grantAdministration(lambda))) {
        lambda.addEnvironment(name, value);
      }
    }
    if (fn.secrets?.length) this.grantSecrets(created, fn.secrets);
    if (fn.database) {
      const database = this.databaseOf(fn);
      grantDatabase(lambda, { ...database, keyArn: shared.key.keyArn, region: Stack.of(this).region });
    }
    if (fn.sendsEmail && shared.mail) {
      lambda.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [shared.mail.identityArn, shared.mail.configurationSetArn],
        }),
      );
    }
    if (fn.sendsSms) {
      if (fn.publishes)
        throw new Error(`${this.props.decl.name}/${fn.id}: a function that sends SMS may not publish events`);
      // SMS goes to phone numbers, which have no ARN: Publish on "*", denied for every topic, so
      // the grant reaches phone numbers only.
      lambda.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
      lambda.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['sns:Publish'],
          resources: [Stack.of(this).formatArn({ service: 'sns', resource: '*' })],
        }),
      );
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'SNS SMS publishes to a phone number, which has no ARN; publishing to any topic is denied by the statement beside it.',
      });
    }
    if (fn.bucket) {
      const access = shared.bucketAccess.get(this.bucketName());
      if (!access) throw new Error(`no access policy for the bucket of ${this.props.decl.name}`);
      lambda.role?.addManagedPolicy(access);
    }
  }

  /**
   * The declared rights on the service's own secrets (names under its prefix) and no others, and
   * the use of the key they are encrypted with, only through Secrets Manager.
   */
  private grantSecrets(created: ServiceFunction, rights: SecretsRight[]): void {
    const stack = Stack.of(this);
    const secrets = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.secretsPrefix()}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const unique = (lists: string[][]) => [...new Set(lists.flat())];
    created.fn.addToRolePolicy(
      new PolicyStatement({ actions: unique(rights.map((r) => SECRETS_ACTIONS[r])), resources: [secrets] }),
    );
    created.fn.addToRolePolicy(
      new PolicyStatement({
        actions: unique(rights.map((r) => SECRETS_KEY_ACTIONS[r])),
        resources: [this.props.shared.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
      }),
    );
    Validations.of(created).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${this.secretsPrefix()}*]`,
      reason:
        "The service's own secrets, one per supplier, created at run time: their names are known only by " +
        'their prefix (Secrets Manager appends a random suffix to every ARN besides).',
    });
  }

  private secretsPrefix(): string {
    return secretsPrefix(this.props.prefix, this.props.decl.name);
  }

  private bucketName(): string {
    const { decl } = this.props;
    if (!decl.bucket)
      throw new Error(`${decl.name}: a function needs the bucket, but the service declares none`);
    return decl.bucket;
  }

  private functionOf(id: string, usedBy: string): ServiceFunction {
    const fn = this.functions.get(id);
    if (!fn) throw new Error(`${this.node.id}: the ${usedBy} names function "${id}", which is not declared`);
    return fn;
  }

  private tableOf(name: string): ITable {
    const table = this.props.shared.tables.get(name);
    if (!table) throw new Error(`table "${name}" is not in the stateful stack`);
    return table;
  }

  /** The database of the function's own service. */
  private databaseOf(fn: FunctionDecl): DatabaseResources {
    const { decl, shared } = this.props;
    if (!decl.database) {
      throw new Error(`${decl.name}/${fn.id} uses the database, but the service declares none`);
    }
    const database = shared.databases?.get(decl.name);
    if (!database) throw new Error(`the database of ${decl.name} is not in the stateful stack`);
    return database;
  }

  private bucketOf(name: string): IBucket {
    const bucket = this.props.shared.buckets.get(name);
    if (!bucket) throw new Error(`bucket "${name}" is not in the stateful stack`);
    return bucket;
  }
}
