import { createHash } from 'node:crypto';
import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { FlowLogDestination, FlowLogTrafficType, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import { migrationFiles } from '../../lib/migrations.ts';
import { DATABASE_ENV, type DatabaseDecl } from '../../lib/topology.ts';
import { MIGRATIONS_BUNDLE_DIR } from '../handlers/migrate.ts';
import { fromRoot } from '../paths.ts';
import { ServiceFunction } from './function.ts';

/** What a function with `database: true` may do on its cluster through the Data API. */
export const DATA_API_ACTIONS = [
  'rds-data:ExecuteStatement',
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:RollbackTransaction',
];

/** The Aurora PostgreSQL version of every service database. */
export const DATABASE_ENGINE_VERSION = AuroraPostgresEngineVersion.VER_16_6;
export const DATABASE_MIN_ACU = 0;
export const DATABASE_MAX_ACU = 4;

export interface ServiceDatabaseProps {
  service: string;
  decl: DatabaseDecl;
  /** Physical-name prefix of the stage, e.g. `azura-dev`. */
  prefix: string;
  /** The stage's customer-managed key: storage, the credentials secret, the log groups stay under it. */
  key: IKey;
  /** Deletion protection on (prod). The cluster is retained on stack deletion in every stage, as tables are. */
  production: boolean;
  alarmTopic: ITopic;
}

/** The hash of a folder of migrations: the custom resource runs again when it changes. */
export function migrationsHash(folder: string): string {
  const hash = createHash('sha256');
  for (const file of migrationFiles(fromRoot(folder))) hash.update(`${file.name}\0${file.sql}\0`);
  return hash.digest('hex');
}

/**
 * A service's SQL database: Aurora PostgreSQL Serverless v2 (0–4 ACU: it pauses when idle) with the
 * Data API, in a VPC of isolated subnets only (no NAT, no internet: nothing reaches it but the Data
 * API, so functions need no VPC), credentials in a generated secret under the stage key, storage
 * encrypted with that key, 7 days of backups, PostgreSQL logs in CloudWatch; and the migration
 * custom resource, which applies the declared migrations on every deployment that changes them.
 */
export class ServiceDatabase extends Construct {
  readonly cluster: DatabaseCluster;
  readonly vpc: Vpc;
  readonly databaseName: string;
  readonly migrations: CustomResource;

  constructor(scope: Construct, id: string, props: ServiceDatabaseProps) {
    super(scope, id);
    const { decl, prefix, key } = props;
    this.databaseName = decl.name;
    const clusterIdentifier = `${prefix}-${decl.name}`;

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
    });

    // RDS writes the PostgreSQL log here; created first so that it has a retention (no LogRetention Lambda).
    const postgresLog = new LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.cluster = new DatabaseCluster(this, 'Cluster', {
      clusterIdentifier,
      engine: DatabaseClusterEngine.auroraPostgres({ version: DATABASE_ENGINE_VERSION }),
      credentials: Credentials.fromGeneratedSecret('azura_admin', {
        secretName: `${prefix}/${props.service}/database`,
        encryptionKey: key,
      }),
      defaultDatabaseName: decl.name,
      writer: ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: DATABASE_MIN_ACU,
      serverlessV2MaxCapacity: DATABASE_MAX_ACU,
      serverlessV2AutoPauseDuration: Duration.minutes(15),
      enableDataApi: true,
      iamAuthentication: false,
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      storageEncrypted: true,
      storageEncryptionKey: key,
      backup: { retention: Duration.days(7), preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'Sun:03:30-Sun:04:30',
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
      deletionProtection: props.production,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.cluster.node.addDependency(postgresLog);

    Validations.of(this.cluster).acknowledge(
      {
        id: 'AwsSolutions-RDS6',
        reason:
          'IAM database authentication is unused: every caller goes through the RDS Data API, which ' +
          'authenticates with the Secrets Manager secret and authorizes with rds-data:* IAM actions.',
      },
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the admin secret needs a rotation Lambda with a network path to the cluster and to ' +
          'Secrets Manager (an interface endpoint in this NAT-less VPC); the secret is usable only through ' +
          'the Data API by roles granted GetSecretValue on it. Rotation is a follow-up (docs/deployment.md).',
      },
      ...(props.production
        ? []
        : [
            {
              id: 'AwsSolutions-RDS10',
              reason:
                'Deletion protection is on in prod only, as for the tables; other stages are disposable ' +
                '(the cluster is still retained when the stack is deleted).',
            },
          ]),
    );

    this.migrations = this.migrationResource(props);
  }

  get secretArn(): string {
    return this.cluster.secret!.secretArn;
  }

  /** The function environment (`DATABASE_ENV`) that names this database. */
  environment(): Record<string, string> {
    return {
      [DATABASE_ENV.clusterArn]: this.cluster.clusterArn,
      [DATABASE_ENV.secretArn]: this.secretArn,
      [DATABASE_ENV.name]: this.databaseName,
    };
  }

  /** Statements, transactions and batches on this cluster; the secret's value; the key, through Secrets Manager. */
  grantDataApi(grantee: IGrantable, key: IKey): void {
    grantDatabase(grantee, {
      clusterArn: this.cluster.clusterArn,
      secretArn: this.secretArn,
      keyArn: key.keyArn,
      region: Stack.of(this).region,
    });
  }

  private migrationResource(props: ServiceDatabaseProps): CustomResource {
    const { decl, prefix, service } = props;
    const migrate = new ServiceFunction(this, 'Migrate', {
      service,
      prefix,
      decl: {
        id: 'migrate',
        entry: 'infra/handlers/migrate.ts',
        description: `Applies the ${decl.name} database's migrations (${decl.migrations}) on deploy`,
        tables: [],
        database: true,
        timeoutSeconds: 600,
      },
      environment: this.environment(),
      alarmTopic: props.alarmTopic,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) => [
          `mkdir -p "${outputDir}/${MIGRATIONS_BUNDLE_DIR}"`,
          `cp "${inputDir}/${decl.migrations}"/*.sql "${outputDir}/${MIGRATIONS_BUNDLE_DIR}/"`,
        ],
      },
    });
    this.grantDataApi(migrate.fn, props.key);
    migrate.node.addDependency(this.cluster);

    const provider = new Provider(this, 'MigrationsProvider', {
      onEventHandler: migrate.fn,
      logGroup: new LogGroup(this, 'ProviderLogs', {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The custom resource framework's own function (aws-cdk-lib's Provider) comes with the basic " +
          'execution role; it only invokes the migration function and writes its logs.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(this).resolve(migrate.fn.functionArn))}:*]`,
        reason:
          "The framework invokes the migration function's versions and aliases (`<arn>:*`), nothing else.",
      },
    );

    const resource = new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DatabaseMigrations',
      properties: { Database: decl.name, MigrationsHash: migrationsHash(decl.migrations) },
    });
    resource.node.addDependency(this.cluster);
    return resource;
  }
}

/** The Data API rights of a `database: true` function, by ARN (the cluster lives in another stack). */
export function grantDatabase(
  grantee: IGrantable,
  target: { clusterArn: string; secretArn: string; keyArn: string; region: string },
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: DATA_API_ACTIONS, resources: [target.clusterArn] }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [target.secretArn] }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [target.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${target.region}.amazonaws.com` } },
    }),
  );
}
