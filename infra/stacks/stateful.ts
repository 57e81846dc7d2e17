import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type Attribute as DynamoAttribute,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Effect, ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Construct } from 'constructs';
import { EVENTS_TOPIC, type KeyDecl, type ServiceDecl, type TableDecl } from '../../lib/topology.ts';
import { ServiceDatabase } from '../constructs/database.ts';
import { UserDirectory } from '../constructs/directory.ts';
import { Mail } from '../constructs/mail.ts';
import { NAME_TAG, pascalCase, SERVICE_TAG } from '../topology.ts';

export interface StatefulStackProps extends StackProps {
  services: readonly ServiceDecl[];
  stage: string;
  prefix: string;
  /** Origins allowed to PUT/GET objects with presigned URLs (the web dashboard). */
  webOrigins: string[];
  /** The sender of alert emails (an address or a domain); see `Mail`. */
  emailFrom?: string;
}

/** The From of alert emails when the stage sets none: SES refuses it, so a deployment must set `emailFrom`. */
export const UNSET_EMAIL_FROM = 'alerts@example.invalid';

const attribute = (key: KeyDecl): DynamoAttribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * What must outlive a deployment: the customer-managed key, every declared table, bucket and SQL
 * database (with the migration custom resource that keeps its schema current), the user directory,
 * and the topics. Everything here is retained when the stack is deleted (except the topics,
 * which hold no data), and nothing here changes when code changes.
 */
export class StatefulStack extends Stack {
  readonly key: Key;
  readonly tables = new Map<string, Table>();
  readonly buckets = new Map<string, Bucket>();
  /** Per bucket, the one policy that lets a function read and write its objects. */
  readonly bucketAccess = new Map<string, ManagedPolicy>();
  readonly eventsTopic: Topic;
  /** Where every alarm of the system notifies (subscribe ops to it). */
  readonly alarmTopic: Topic;
  /** Staff and their roles (Cognito). */
  readonly directory: UserDirectory;
  /** SES sender identity, configuration set and feedback topic: when a function sends email. */
  readonly mail?: Mail;
  /** Per service that declares one, its SQL database (Aurora Serverless v2, Data API) and its migrations. */
  readonly databases = new Map<string, ServiceDatabase>();

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const production = props.stage === 'prod';

    this.key = new Key(this, 'Key', {
      alias: `alias/${props.prefix}`,
      description: `Azura Inventory (${props.stage}): tables, buckets, topics`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted alarm topic, so CloudWatch must use the key.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    for (const service of props.services) {
      for (const decl of service.tables) {
        const table = this.table(service.name, decl, production);
        this.tables.set(decl.name, table);
        new CfnOutput(this, `${pascalCase(decl.name)}TableName`, {
          description: `DynamoDB table of the ${service.name} service (${decl.name})`,
          value: table.tableName,
        });
      }
    }

    const needsBuckets = props.services.some((s) => s.bucket);
    const accessLogs = needsBuckets
      ? new Bucket(this, 'AccessLogs', {
          encryption: BucketEncryption.S3_MANAGED,
          blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
          lifecycleRules: [{ expiration: Duration.days(90) }],
          removalPolicy: RemovalPolicy.RETAIN,
        })
      : undefined;
    if (accessLogs) {
      Validations.of(accessLogs).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'This is the server-access-log bucket itself; logging it into itself would loop.',
      });
    }
    for (const service of props.services) {
      if (!service.bucket) continue;
      const bucket = new Bucket(this, `${service.bucket}Bucket`, {
        encryption: BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: `${service.bucket}/`,
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
        cors: [
          {
            allowedMethods: [HttpMethods.GET, HttpMethods.PUT, HttpMethods.HEAD],
            allowedOrigins: props.webOrigins,
            allowedHeaders: ['*'],
            maxAge: 3000,
          },
        ],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Tags.of(bucket).add(NAME_TAG, service.bucket);
      Tags.of(bucket).add(SERVICE_TAG, service.name);
      this.buckets.set(service.bucket, bucket);
      this.bucketAccess.set(service.bucket, this.objectReadWritePolicy(service.bucket, bucket));
    }

    this.eventsTopic = new Topic(this, 'EventsTopic', {
      topicName: `${props.prefix}-${EVENTS_TOPIC}`,
      displayName: 'Azura Inventory domain events',
      masterKey: this.key,
      enforceSSL: true,
    });
    Tags.of(this.eventsTopic).add(NAME_TAG, EVENTS_TOPIC);

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.prefix}-alarms`,
      displayName: 'Azura Inventory alarms',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.directory = new UserDirectory(this, 'Directory', { prefix: props.prefix, production });

    if (props.services.some((s) => s.functions.some((f) => f.sendsEmail))) {
      this.mail = new Mail(this, 'Mail', {
        prefix: props.prefix,
        key: this.key,
        emailFrom: props.emailFrom ?? UNSET_EMAIL_FROM,
      });
      if (!props.emailFrom) {
        Annotations.of(this).addInfo(
          'No emailFrom: alert emails have no sender SES accepts. Deploy with -c emailFrom=<address or domain> (docs/deployment.md).',
        );
      }
      new CfnOutput(this, 'EmailFeedbackTopicArn', {
        description:
          'SNS topic of SES bounces, complaints and deliveries (the notifications service reads it)',
        value: this.mail.feedbackTopic.topicArn,
      });
    }

    for (const service of props.services) {
      if (!service.database) continue;
      const database = new ServiceDatabase(this, `${pascalCase(service.database.name)}Database`, {
        service: service.name,
        decl: service.database,
        prefix: props.prefix,
        key: this.key,
        production,
        alarmTopic: this.alarmTopic,
      });
      Tags.of(database.cluster).add(NAME_TAG, service.database.name);
      Tags.of(database.cluster).add(SERVICE_TAG, service.name);
      this.databases.set(service.name, database);
      const name = pascalCase(service.database.name);
      new CfnOutput(this, `${name}DbClusterArn`, {
        description: `Aurora PostgreSQL cluster of the ${service.name} service (RDS Data API resourceArn)`,
        value: database.cluster.clusterArn,
      });
      new CfnOutput(this, `${name}DbSecretArn`, {
        description: `Secret of the ${service.name} database's credentials (RDS Data API secretArn)`,
        value: database.secretArn,
      });
    }

    new CfnOutput(this, 'EventsTopicArn', {
      description: `SNS topic of every domain event (subscribe with a filter policy on "type")`,
      value: this.eventsTopic.topicArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies: subscribe the on-call address to it',
      value: this.alarmTopic.topicArn,
    });
  }

  /**
   * Object access to one bucket, attached to the roles that declare `bucket`. It lives here, next
   * to the bucket, so the unavoidable `<bucket>/*` resource can be acknowledged by its exact name.
   */
  private objectReadWritePolicy(name: string, bucket: Bucket): ManagedPolicy {
    const objects = bucket.arnForObjects('*');
    const policy = new ManagedPolicy(this, `${name}ObjectReadWrite`, {
      description: `Read, write and delete objects of ${name}`,
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [objects],
        }),
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.key.keyArn],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(this.resolve(objects))}]`,
      reason: 'Object-level S3 actions need an object ARN pattern: every object of this one bucket.',
    });
    return policy;
  }

  private table(service: string, decl: TableDecl, production: boolean): Table {
    const table = new Table(this, `${decl.name}Table`, {
      partitionKey: attribute(decl.partitionKey),
      sortKey: decl.sortKey && attribute(decl.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: decl.ttlAttribute,
      stream: decl.stream ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
      deletionProtection: production,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of decl.indexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        sortKey: index.sortKey && attribute(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
    Tags.of(table).add(NAME_TAG, decl.name);
    Tags.of(table).add(SERVICE_TAG, service);
    return table;
  }
}
