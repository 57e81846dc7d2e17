import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  DATA_API_ACTIONS,
  DATABASE_MAX_ACU,
  DATABASE_MIN_ACU,
  migrationsHash,
} from '../infra/constructs/database.ts';
import { fromRoot } from '../infra/paths.ts';
import {
  type CfnResource,
  type CfnTemplate,
  crossStackTargets,
  localTarget,
  resourcesOf,
  templateOf,
  testApp,
} from '../infra/testing.ts';
import { DataApiSql } from '../lib/data-api.ts';
import { DATABASE_ENV } from '../lib/topology.ts';
import { services } from '../services/index.ts';
import { reportingService } from '../services/reporting/service.ts';
import { pointAtEmulators } from './support/env.ts';

/**
 * The reporting database in AWS: Aurora PostgreSQL Serverless v2 with the Data API, its migrations
 * applied by a custom resource, and the reporting functions' access to it — exactly the Data API on
 * that cluster and that secret.
 *
 */
const withReporting = services;
const migrationNames = readdirSync(fromRoot(reportingService.database.migrations))
  .filter((f) => f.endsWith('.sql'))
  .sort();

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is read as loose JSON.
type Json = any;
const props = (r: CfnResource): Record<string, Json> => r.Properties as Record<string, Json>;
const one = (template: CfnTemplate, type: string): [string, CfnResource] => {
  const found = resourcesOf(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

const { azura } = testApp(withReporting);
const stateful = templateOf(azura.stateful);
const stateless = templateOf(azura.services);
const [keyId] = one(stateful, 'AWS::KMS::Key');
const [clusterId, cluster] = one(stateful, 'AWS::RDS::DBCluster');
const [secretId, secret] = one(stateful, 'AWS::SecretsManager::Secret');
// The cluster's `secret` is the secret attached to it (its Ref is the secret's ARN too).
const [attachmentId, attachment] = one(stateful, 'AWS::SecretsManager::SecretTargetAttachment');

const lambdaNamed = (template: CfnTemplate, name: string): CfnResource => {
  const found = resourcesOf(template, 'AWS::Lambda::Function').find(
    ([, f]) => props(f).FunctionName === name,
  );
  if (!found) throw new Error(`no function ${name}`);
  return found[1];
};
const statementsOfRole = (template: CfnTemplate, fn: CfnResource): Json[] => {
  const roleId = localTarget(props(fn).Role);
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => localTarget(r) === roleId))
    .flatMap(([, p]) => props(p).PolicyDocument.Statement);
};
const actionsOf = (s: { Action: string | string[] }) => [s.Action].flat();

describe('the reporting database in the stateful stack', () => {
  it('is an Aurora PostgreSQL 16 cluster with the Data API, scaling 0–4 ACU on one serverless writer', () => {
    const p = props(cluster);
    expect(p.Engine).toBe('aurora-postgresql');
    expect(p.EngineVersion).toMatch(/^16\./);
    expect(p.EnableHttpEndpoint).toBe(true);
    expect(p.ServerlessV2ScalingConfiguration).toMatchObject({
      MinCapacity: DATABASE_MIN_ACU,
      MaxCapacity: DATABASE_MAX_ACU,
    });
    expect(DATABASE_MIN_ACU).toBe(0);
    expect(p.ServerlessV2ScalingConfiguration.SecondsUntilAutoPause).toBeGreaterThanOrEqual(300);
    expect(p.DatabaseName).toBe('reporting');
    expect(p.IamAuthentication ?? p.EnableIAMDatabaseAuthentication ?? false).toBe(false);

    const instances = resourcesOf(stateful, 'AWS::RDS::DBInstance');
    expect(instances).toHaveLength(1);
    expect(props(instances[0]![1]).DBInstanceClass).toBe('db.serverless');
    expect(localTarget(props(instances[0]![1]).DBClusterIdentifier)).toBe(clusterId);
    expect(props(instances[0]![1]).PubliclyAccessible).toBe(false);
  });

  it("encrypts storage and the credentials' secret with the stage key, keeps 7 days of backups and exports PostgreSQL logs", () => {
    const p = props(cluster);
    expect(p.StorageEncrypted).toBe(true);
    expect(localTarget(p.KmsKeyId)).toBe(keyId);
    expect(p.BackupRetentionPeriod).toBe(7);
    expect(p.EnableCloudwatchLogsExports).toEqual(['postgresql']);
    expect(localTarget(props(secret).KmsKeyId)).toBe(keyId);
    expect(JSON.stringify(p.MasterUserPassword)).toContain(secretId);
    expect(localTarget(props(attachment).SecretId)).toBe(secretId);
    expect(localTarget(props(attachment).TargetId)).toBe(clusterId);

    const [, logGroup] = resourcesOf(stateful, 'AWS::Logs::LogGroup').find(
      ([, g]) => props(g).LogGroupName === '/aws/rds/cluster/azura-test-reporting/postgresql',
    )!;
    expect(props(logGroup).RetentionInDays).toBe(30);
  });

  it('is retained like the tables, with deletion protection in prod only', () => {
    expect(cluster.DeletionPolicy).toBe('Retain');
    expect(props(cluster).DeletionProtection).toBe(false);

    const prod = templateOf(testApp(withReporting, { stage: 'prod' }).azura.stateful);
    const [, prodCluster] = one(prod, 'AWS::RDS::DBCluster');
    expect(props(prodCluster).DeletionProtection).toBe(true);
    expect(prodCluster.DeletionPolicy).toBe('Retain');
  });

  it('lives in a VPC of two isolated subnets: no NAT, no internet gateway', () => {
    one(stateful, 'AWS::EC2::VPC');
    const subnets = resourcesOf(stateful, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(2);
    for (const [, subnet] of subnets) expect(props(subnet).MapPublicIpOnLaunch).toBe(false);
    expect(resourcesOf(stateful, 'AWS::EC2::NatGateway')).toEqual([]);
    expect(resourcesOf(stateful, 'AWS::EC2::InternetGateway')).toEqual([]);
    expect(resourcesOf(stateful, 'AWS::EC2::FlowLog')).toHaveLength(1);
    const [, subnetGroup] = one(stateful, 'AWS::RDS::DBSubnetGroup');
    expect(props(subnetGroup).SubnetIds.map(localTarget).sort()).toEqual(subnets.map(([id]) => id).sort());
  });

  it('exports the cluster and secret ARNs', () => {
    expect(JSON.stringify(stateful.Outputs?.ReportingDbClusterArn?.Value)).toContain(clusterId);
    expect(localTarget(stateful.Outputs?.ReportingDbSecretArn?.Value)).toBe(attachmentId);
  });

  it('applies the migrations with a custom resource that runs again whenever the files change', () => {
    const [, resource] = one(stateful, 'Custom::DatabaseMigrations');
    expect(props(resource)).toMatchObject({
      Database: 'reporting',
      MigrationsHash: migrationsHash(reportingService.database.migrations),
    });
    expect(migrationsHash(reportingService.database.migrations)).toMatch(/^[0-9a-f]{64}$/);
    expect((resource as Json).DependsOn).toEqual(expect.arrayContaining([clusterId]));

    // Its function: Data API on this cluster (no VPC), the database in its environment.
    const migrate = lambdaNamed(stateful, 'azura-test-reporting-migrate');
    expect(props(migrate).VpcConfig).toBeUndefined();
    const env = props(migrate).Environment.Variables;
    expect(JSON.stringify(env[DATABASE_ENV.clusterArn])).toContain(clusterId);
    expect(localTarget(env[DATABASE_ENV.secretArn])).toBe(attachmentId);
    expect(env[DATABASE_ENV.name]).toBe('reporting');
    const dataApi = statementsOfRole(stateful, migrate).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('rds-data:')),
    );
    expect(dataApi).toHaveLength(1);
    expect(actionsOf(dataApi[0]).sort()).toEqual([...DATA_API_ACTIONS].sort());
  });

  it('is absent when no service declares a database', () => {
    const plain = templateOf(testApp(services.filter((s) => !s.database)).azura.stateful);
    expect(resourcesOf(plain, 'AWS::RDS::DBCluster')).toEqual([]);
    expect(resourcesOf(plain, 'AWS::EC2::VPC')).toEqual([]);
    expect(resourcesOf(plain, 'Custom::DatabaseMigrations')).toEqual([]);
  });
});

describe('the migration function as bundled for Lambda', () => {
  it('applies the migrations copied into its bundle through the Data API, then nothing on the next deploy', async () => {
    // Prepare: bundle the stateful stack's function for real (esbuild and the copy hook), and run the
    // bundle from inside the repository so that its external @aws-sdk/* resolve as on Lambda's runtime.
    const { app } = testApp(withReporting, {
      context: { 'aws:cdk:bundling-stacks': ['azura-test-stateful'] },
    });
    const assembly = app.synth().directory;
    const asset = readdirSync(assembly).find((d) => existsSync(join(assembly, d, 'migrations')));
    expect(asset).toBeDefined();
    expect(readdirSync(join(assembly, asset!, 'migrations'))).toEqual(
      readdirSync(fromRoot(reportingService.database.migrations))
        .filter((f) => f.endsWith('.sql'))
        .sort(),
    );
    const bundle = fromRoot(`.data/test-bundles/${ulid()}`);
    mkdirSync(bundle, { recursive: true });
    cpSync(join(assembly, asset!), bundle, { recursive: true });
    pointAtEmulators();
    const database = `t${ulid().slice(-8).toLowerCase()}_bundle`;
    const config = {
      clusterArn: `arn:aws:rds:us-east-1:000000000000:cluster:${database}`,
      secretArn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${database}-db`,
      database,
    };
    Object.assign(process.env, {
      [DATABASE_ENV.clusterArn]: config.clusterArn,
      [DATABASE_ENV.secretArn]: config.secretArn,
      [DATABASE_ENV.name]: config.database,
    });
    try {
      const { handler } = (await import(pathToFileURL(join(bundle, 'index.mjs')).href)) as {
        handler: (
          event: CloudFormationCustomResourceEvent,
        ) => Promise<{ PhysicalResourceId: string; Data: Record<string, string> }>;
      };
      const event = (RequestType: 'Create' | 'Update') =>
        ({
          RequestType,
          PhysicalResourceId: 'reporting-migrations',
          ResourceProperties: { Database: 'reporting' },
        }) as unknown as CloudFormationCustomResourceEvent;

      // Act
      const created = await handler(event('Create'));
      const updated = await handler(event('Update'));

      // Assess
      expect(created).toEqual({
        PhysicalResourceId: 'reporting-migrations',
        Data: { Applied: migrationNames.join(',') },
      });
      expect(updated.Data).toEqual({ Applied: '(none)' });
      const sql = new DataApiSql(config);
      expect(await sql.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(
        migrationNames.map((name) => ({ version: name.slice(0, 3) })),
      );
      expect(await sql.query(`SELECT to_regclass('fact_movement') IS NOT NULL AS present`)).toEqual([
        { present: true },
      ]);
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  });
});

describe('functions with database: true', () => {
  const databaseFunctions = reportingService.functions.filter((fn) => fn.database);

  it('learn the cluster, the secret and the database name from DATABASE_ENV, and run outside any VPC', () => {
    expect(databaseFunctions.map((fn) => fn.id).sort()).toEqual(['api', 'events', 'planning']);
    for (const fn of databaseFunctions) {
      const lambda = lambdaNamed(stateless, `azura-test-reporting-${fn.id}`);
      const env = props(lambda).Environment.Variables;
      expect(crossStackTargets(env[DATABASE_ENV.clusterArn], stateful), fn.id).toEqual([clusterId]);
      expect(crossStackTargets(env[DATABASE_ENV.secretArn], stateful), fn.id).toEqual([attachmentId]);
      expect(env[DATABASE_ENV.name]).toBe('reporting');
      expect(props(lambda).VpcConfig).toBeUndefined();
    }
  });

  it('may run statements and transactions on that cluster, read that secret, and use the key only through Secrets Manager', () => {
    for (const fn of databaseFunctions) {
      const statements = statementsOfRole(stateless, lambdaNamed(stateless, `azura-test-reporting-${fn.id}`));
      const onDatabase = statements.filter((s) =>
        actionsOf(s).some((a) => a.startsWith('rds-data:') || a.startsWith('secretsmanager:')),
      );
      expect(
        onDatabase.map((s) => ({
          actions: actionsOf(s).sort(),
          on: crossStackTargets(s.Resource, stateful),
        })),
        fn.id,
      ).toEqual([
        { actions: [...DATA_API_ACTIONS].sort(), on: [clusterId] },
        { actions: ['secretsmanager:GetSecretValue'], on: [attachmentId] },
      ]);
      // The key only through Secrets Manager (a publishing function also encrypts for the topic).
      const onKey = statements.filter(
        (s) =>
          crossStackTargets(s.Resource, stateful).includes(keyId) &&
          s.Condition?.StringEquals?.['kms:ViaService'],
      );
      expect(onKey, fn.id).toHaveLength(1);
      expect(actionsOf(onKey[0])).toEqual(['kms:Decrypt']);
      expect(JSON.stringify(onKey[0].Condition.StringEquals['kms:ViaService'])).toContain('secretsmanager');
    }
  });

  it('are the only functions with Data API rights', () => {
    const holders = resourcesOf(stateless, 'AWS::IAM::Policy')
      .filter(([, p]) =>
        props(p).PolicyDocument.Statement.some((s: Json) =>
          actionsOf(s).some((a) => a.startsWith('rds-data:')),
        ),
      )
      .flatMap(([, p]) => (props(p).Roles as unknown[]).map(localTarget));
    const roles = databaseFunctions.map((fn) =>
      localTarget(props(lambdaNamed(stateless, `azura-test-reporting-${fn.id}`)).Role),
    );
    expect(holders.sort()).toEqual(roles.sort());
  });
});

describe('cdk-nag with the database', () => {
  it('finds nothing unacknowledged in the app with the reporting database', () => {
    const { app } = testApp(withReporting, { nag: true });
    let assemblyDir = '';
    expect(() => {
      assemblyDir = app.synth().directory;
    }).not.toThrow();
    const report = JSON.parse(readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports?: { violations: { ruleName: string }[] }[];
    };
    expect((report.pluginReports ?? []).flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
  });
});
