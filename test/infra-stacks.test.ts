import { App, Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { TOPIC_OUTPUT_KEY, tableOutputKey } from '../cli/target.ts';
import { settingsFromContext } from '../infra/azura.ts';
import { LAMBDA_RUNTIME } from '../infra/constructs/function.ts';
import { SECRETS_KMS_KEY_ENV } from '../infra/constructs/service.ts';
import {
  type CfnResource,
  type CfnTemplate,
  crossStackTargets,
  declaredName,
  localTarget,
  resourcesOf,
  tagOf,
  templateOf,
  testApp,
} from '../infra/testing.ts';
import { impliedResources, ROLE_TAG } from '../infra/topology.ts';
import { AUTH_ENV } from '../lib/auth.ts';
import { PUBLIC_ROUTES, ROLES } from '../lib/permissions.ts';
import {
  dlqName,
  type FunctionDecl,
  PUBLIC_API_URL_ENV,
  secretsPrefix,
  secretsPrefixEnvVar,
  stateMachineEnvVar,
} from '../lib/topology.ts';
import { services } from '../services/index.ts';
import { SES_FEEDBACK_QUEUE } from '../services/notifications/service.ts';
import { PURCHASE_ORDER_FAILED_METRIC } from '../services/replenishment/service.ts';

// One synthesis (bundling skipped) for the whole file; every test reads the templates.
const { azura } = testApp(services);
const stateful = templateOf(azura.stateful);
const stateless = templateOf(azura.services);
const api = templateOf(azura.api);
const web = templateOf(azura.web);
const implied = impliedResources(services);
const [[keyId]] = resourcesOf(stateful, 'AWS::KMS::Key') as [[string, CfnResource]];

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is read as loose JSON.
type Json = any;
const props = (r: CfnResource): Record<string, Json> => r.Properties as Record<string, Json>;
const byLogicalId = (t: CfnTemplate, id: string | undefined) => (id ? t.Resources[id] : undefined);
const queues = resourcesOf(stateless, 'AWS::SQS::Queue');
const queueNamed = (name: string) => queues.find(([, q]) => declaredName(q) === name);
const functions = services.flatMap((s) => s.functions.map((fn) => ({ service: s.name, fn })));
const lambdaOf = (service: string, id: string): [string, CfnResource] => {
  const found = resourcesOf(stateless, 'AWS::Lambda::Function').find(
    ([, f]) => props(f).FunctionName === `azura-test-${service}-${id}`,
  );
  if (!found) throw new Error(`no function ${service}/${id} in the template`);
  return found;
};

/** Every IAM statement that applies to a function: its role's inline policies and managed ones. */
function statementsOf(service: string, id: string): { Action: string | string[]; Resource: unknown }[] {
  const roleId = localTarget(props(lambdaOf(service, id)[1]).Role);
  const inline = resourcesOf(stateless, 'AWS::IAM::Policy')
    .filter(([, p]) => (props(p).Roles as unknown[]).some((r) => localTarget(r) === roleId))
    .flatMap(([, p]) => props(p).PolicyDocument.Statement);
  const managed = (props(stateless.Resources[roleId!]!).ManagedPolicyArns ?? []).flatMap((arn: unknown) =>
    crossStackTargets(arn, stateful).flatMap(
      (pid) => props(stateful.Resources[pid]!).PolicyDocument.Statement,
    ),
  );
  return [...inline, ...managed];
}
const actionsOf = (s: { Action: string | string[] }) => [s.Action].flat();

const STREAM_ACTIONS = new Set([
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
]);

/** The declared tables whose items a function may read or write, read from its IAM policies. */
function tablesTouchedBy(service: string, id: string): string[] {
  const touched = statementsOf(service, id)
    .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:') && !STREAM_ACTIONS.has(a)))
    .flatMap((s) => {
      expect(s.Resource, `${service}/${id} has item access to every table`).not.toBe('*');
      return crossStackTargets(s.Resource, stateful);
    })
    .map((tid) => declaredName(stateful.Resources[tid]!)!);
  return [...new Set(touched)].sort();
}

describe('the stateful stack', () => {
  it('keeps every declared table on demand, with point-in-time recovery, the customer-managed key, and its TTL and stream', () => {
    const key = resourcesOf(stateful, 'AWS::KMS::Key');
    expect(key).toHaveLength(1);
    expect(props(key[0]![1]).EnableKeyRotation).toBe(true);

    for (const decl of services.flatMap((s) => s.tables)) {
      const [, table] = resourcesOf(stateful, 'AWS::DynamoDB::Table').find(
        ([, t]) => declaredName(t) === decl.name,
      )!;
      const p = props(table);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.SSESpecification.SSEEnabled).toBe(true);
      expect(p.SSESpecification.SSEType).toBe('KMS');
      expect(localTarget(p.SSESpecification.KMSMasterKeyId)).toBe(key[0]![0]);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(p.TimeToLiveSpecification).toEqual(
        decl.ttlAttribute ? { AttributeName: decl.ttlAttribute, Enabled: true } : undefined,
      );
      expect(p.StreamSpecification).toEqual(
        decl.stream ? { StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined,
      );
      expect(
        (p.GlobalSecondaryIndexes ?? []).map((i: Json) => [i.IndexName, i.Projection.ProjectionType]),
      ).toEqual((decl.indexes ?? []).map((i) => [i.name, 'ALL']));
    }
  });

  it('encrypts the events topic with the key and refuses publishers without TLS', () => {
    const [[topicId, topic]] = resourcesOf(stateful, 'AWS::SNS::Topic').filter(
      ([, t]) => declaredName(t) === 'inventory-events',
    ) as [[string, CfnResource]];
    expect(props(topic).KmsMasterKeyId).toBeDefined();
    const policy = resourcesOf(stateful, 'AWS::SNS::TopicPolicy').find(([, p]) =>
      (props(p).Topics as unknown[]).some((t) => localTarget(t) === topicId),
    );
    expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
  });

  it('keeps buckets private, versioned, encrypted and TLS-only', () => {
    for (const name of implied.buckets) {
      const [id, bucket] = resourcesOf(stateful, 'AWS::S3::Bucket').find(
        ([, b]) => declaredName(b) === name,
      )!;
      const p = props(bucket);
      expect(
        p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
      ).toBe('aws:kms');
      expect(p.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.DeletionPolicy).toBe('Retain');
      const policy = resourcesOf(stateful, 'AWS::S3::BucketPolicy').find(
        ([, bp]) => localTarget(props(bp).Bucket) === id,
      );
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('keeps staff in a retained user pool with one group per role', () => {
    const [[, pool]] = resourcesOf(stateful, 'AWS::Cognito::UserPool') as [[string, CfnResource]];
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(props(pool).AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    const groups = resourcesOf(stateful, 'AWS::Cognito::UserPoolGroup').map(([, g]) => props(g).GroupName);
    expect(groups.sort()).toEqual([...ROLES].sort());
  });

  it('names the table of each service and the events topic in its outputs', () => {
    const outputs = Object.values(stateful.Outputs ?? {}).map((o) => localTarget(o.Value));
    for (const name of implied.tables) {
      const [id] = resourcesOf(stateful, 'AWS::DynamoDB::Table').find(([, t]) => declaredName(t) === name)!;
      expect(outputs).toContain(id);
    }
    expect(stateful.Outputs?.EventsTopicArn).toBeDefined();
  });
});

describe('the services stack', () => {
  it('runs every function on Node.js 22 or newer, ARM64, traced, with its own log group and retention', () => {
    expect(Number(/^nodejs(\d+)/.exec(LAMBDA_RUNTIME.name)?.[1])).toBeGreaterThanOrEqual(22);
    for (const { service, fn } of functions) {
      const p = props(lambdaOf(service, fn.id)[1]);
      expect(p.Runtime).toBe(LAMBDA_RUNTIME.name);
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: 'Azura',
      });
      const logGroup = byLogicalId(stateless, localTarget(p.LoggingConfig.LogGroup));
      expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
      expect(props(logGroup!).RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('lets each function read and write only the tables it declares, all of its own service', () => {
    for (const { service, fn } of functions) {
      expect(tablesTouchedBy(service, fn.id), `${service}/${fn.id}`).toEqual([...fn.tables].sort());
    }
    // The cases that matter most, spelled out.
    expect(tablesTouchedBy('catalog', 'api')).toEqual(['catalog']);
    expect(tablesTouchedBy('stock', 'api')).toEqual(['stock']);
    expect(tablesTouchedBy('catalog', 'publish-events')).toEqual([]);
    expect(tablesTouchedBy('stock', 'publish-events')).toEqual([]);
  });

  it('lets only publishing functions publish, and only the bucket users use the bucket', () => {
    for (const { service, fn } of functions) {
      const actions = statementsOf(service, fn.id).flatMap(actionsOf);
      // SMS senders publish to phone numbers (every topic denied to them).
      expect(actions.includes('sns:Publish'), `${service}/${fn.id} publishes`).toBe(
        Boolean(fn.publishes || fn.sendsSms),
      );
      expect(actions.includes('s3:PutObject'), `${service}/${fn.id} writes objects`).toBe(Boolean(fn.bucket));
    }
  });

  it('lets every HTTP function verify Cognito tokens, and only the identity service administer users', () => {
    for (const { service, fn } of functions) {
      const env = props(lambdaOf(service, fn.id)[1]).Environment.Variables as Record<string, unknown>;
      expect(AUTH_ENV.issuer in env && AUTH_ENV.audience in env, `${service}/${fn.id}`).toBe(
        Boolean(fn.http),
      );
      const administers = statementsOf(service, fn.id).some((st) =>
        actionsOf(st).some((a) => a.startsWith('cognito-idp:')),
      );
      expect(administers, `${service}/${fn.id}`).toBe(service === 'identity');
      expect('USER_POOL_ID' in env).toBe(service === 'identity');
    }
  });

  it('tells each function its tables, topic and bucket through the declared environment variables', () => {
    const tableId = (name: string) =>
      resourcesOf(stateful, 'AWS::DynamoDB::Table').find(([, t]) => declaredName(t) === name)![0];
    for (const { service, fn } of functions) {
      const env = props(lambdaOf(service, fn.id)[1]).Environment.Variables as Record<string, unknown>;
      for (const table of fn.tables) {
        const envVar = `${table.toUpperCase().replace(/-/g, '_')}_TABLE`;
        expect(crossStackTargets(env[envVar], stateful)).toEqual([tableId(table)]);
      }
      expect('EVENTS_TOPIC_ARN' in env).toBe(Boolean(fn.publishes));
    }
  });

  it('feeds every stream to its declared handler with batch failures reported, bisection, bounded retries and an on-failure queue', () => {
    for (const service of services) {
      for (const table of service.tables.filter((t) => t.stream)) {
        const [fnId] = lambdaOf(service.name, table.stream!.handler);
        const mapping = resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping').find(
          ([, m]) => localTarget(props(m).FunctionName) === fnId && props(m).StartingPosition,
        );
        const p = props(mapping![1]);
        expect(p.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
        expect(p.BisectBatchOnFunctionError).toBe(true);
        expect(p.MaximumRetryAttempts).toBe(table.stream!.maxAttempts - 1);
        expect(p.StartingPosition).toBe('TRIM_HORIZON');
        expect(p.BatchSize).toBe(table.stream!.batchSize);
        const failures = byLogicalId(stateless, localTarget(p.DestinationConfig.OnFailure.Destination));
        expect(failures && tagOf(failures, ROLE_TAG)).toBe('stream-dlq');
      }
    }
  });

  it('reports batch item failures on every event source mapping', () => {
    const mappings = resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const [id, mapping] of mappings) {
      expect(props(mapping).FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('redrives every queue that feeds a function to its dead-letter queue after the declared receive count', () => {
    for (const decl of services.flatMap((s) => s.queues)) {
      const [id, queue] = queueNamed(decl.name)!;
      const redrive = props(queue).RedrivePolicy;
      expect(redrive.maxReceiveCount).toBe(decl.maxReceiveCount);
      expect(localTarget(redrive.deadLetterTargetArn)).toBe(queueNamed(dlqName(decl.name))![0]);
      expect(props(queue).VisibilityTimeout).toBe(decl.visibilityTimeoutSeconds);
      if (decl.handler) {
        const [fnId] = lambdaOf(services.find((s) => s.queues.includes(decl))!.name, decl.handler);
        const mapping = resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping').find(
          ([, m]) => localTarget(props(m).EventSourceArn) === id,
        );
        expect(localTarget(props(mapping![1]).FunctionName)).toBe(fnId);
        expect(props(mapping![1]).BatchSize).toBe(decl.batchSize);
      }
    }
    // And no mapping reads a queue that has no dead-letter queue.
    for (const [, mapping] of resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping')) {
      const source = byLogicalId(stateless, localTarget(props(mapping).EventSourceArn));
      if (source?.Type === 'AWS::SQS::Queue') expect(props(source).RedrivePolicy).toBeDefined();
    }
  });

  it('alarms on the first message in every dead-letter queue', () => {
    const deadLetterQueues = queues.filter(([, q]) => tagOf(q, ROLE_TAG) !== 'queue');
    expect(deadLetterQueues.map(([, q]) => declaredName(q)).sort()).toEqual(
      [...implied.deadLetterQueues, ...implied.streamFailureQueues].sort(),
    );
    for (const [id, queue] of deadLetterQueues) {
      const alarm = resourcesOf(stateless, 'AWS::CloudWatch::Alarm').find(([, a]) =>
        (props(a).Dimensions ?? []).some((d: Json) => d.Name === 'QueueName' && localTarget(d.Value) === id),
      );
      expect(alarm, `alarm of ${declaredName(queue)}`).toBeDefined();
      const p = props(alarm![1]);
      expect(p.MetricName).toBe('ApproximateNumberOfMessagesVisible');
      expect([p.ComparisonOperator, p.Threshold]).toEqual(['GreaterThanThreshold', 0]);
      expect(p.AlarmActions).toHaveLength(1);
    }
  });

  it('subscribes queues to the events topic with raw delivery and the declared filter on "type"', () => {
    const all = resourcesOf(stateless, 'AWS::SNS::Subscription');
    // SES's feedback (configuration set → its topic) arrives as SNS notifications, not raw.
    const feedback = all.filter(([, s]) => !props(s).FilterPolicy);
    expect(
      feedback.map(([, s]) => [
        declaredName(stateless.Resources[localTarget(props(s).Endpoint)!]!),
        props(s).RawMessageDelivery,
      ]),
    ).toEqual([[SES_FEEDBACK_QUEUE, undefined]]);
    const subscriptions = all
      .filter(([, s]) => props(s).FilterPolicy)
      .map(([, s]) => {
        const p = props(s);
        expect(p.Protocol).toBe('sqs');
        expect(p.RawMessageDelivery).toBe(true);
        return {
          queue: declaredName(stateless.Resources[localTarget(p.Endpoint)!]!),
          eventTypes: [...p.FilterPolicy.type].sort(),
        };
      });
    expect(subscriptions.sort((a, b) => a.queue!.localeCompare(b.queue!))).toEqual(
      [...implied.subscriptions].sort((a, b) => a.queue.localeCompare(b.queue)),
    );
  });

  it('runs scheduled functions on their declared rate', () => {
    for (const { service, fn } of functions.filter((f) => f.fn.scheduleMinutes)) {
      const [fnId] = lambdaOf(service, fn.id);
      const rule = resourcesOf(stateless, 'AWS::Events::Rule').find(([, r]) =>
        (props(r).Targets as Json[]).some((t) => localTarget(t.Arn) === fnId),
      );
      // As CDK writes the rate: `rate(1 minute)`, `rate(5 minutes)`, `rate(1 hour)`.
      const expected = Schedule.rate(Duration.minutes(fn.scheduleMinutes!)).expressionString;
      expect(props(rule![1]).ScheduleExpression).toBe(expected);
    }
  });

  it('deploys each declared workflow as a logged, traced Standard state machine its service can drive', () => {
    for (const service of services) {
      for (const workflow of service.workflows ?? []) {
        const [, machine] = resourcesOf(stateless, 'AWS::StepFunctions::StateMachine').find(
          ([, m]) => props(m).StateMachineName === `azura-test-${workflow.name}`,
        )!;
        const p = props(machine);
        expect(p.StateMachineType).toBe('STANDARD');
        expect(p.TracingConfiguration).toEqual({ Enabled: true });
        expect(p.LoggingConfiguration.Level).toBe('ALL');
      }
    }
  });

  it('gives each function exactly the Step Functions rights it declares it drives with, and no other', () => {
    const RIGHTS: Record<string, string[]> = {
      start: ['states:StartExecution'],
      read: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      answer: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
    };
    let drivers = 0;
    for (const { service, fn } of functions as { service: string; fn: FunctionDecl }[]) {
      const granted = statementsOf(service, fn.id)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('states:'))
        .sort();
      const declared = (fn.drives ?? []).flatMap((d) => d.can.flatMap((right) => RIGHTS[right]!)).sort();
      expect(granted, `${service}/${fn.id}`).toEqual(declared);
      const env = props(lambdaOf(service, fn.id)[1]).Environment.Variables;
      for (const { workflow } of fn.drives ?? []) {
        expect(env[stateMachineEnvVar(workflow)], `${service}/${fn.id}`).toBeDefined();
      }
      if (fn.drives?.length) drivers++;
    }
    expect(drivers).toBeGreaterThan(0);
  });

  it("lets the functions that declare secrets touch only their own service's secrets, with exactly the declared rights", () => {
    const SECRETS_RIGHTS: Record<string, string[]> = {
      read: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      write: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource'],
    };
    let holders = 0;
    for (const { service, fn } of functions as { service: string; fn: FunctionDecl }[]) {
      const statements = statementsOf(service, fn.id);
      const onSecrets = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('secretsmanager:')));
      // A database function also reads its cluster's secret (the Data API needs it; see infra-database.test.ts).
      const declared = [
        ...(fn.secrets ?? []).flatMap((right) => SECRETS_RIGHTS[right]!),
        ...(fn.database ? ['secretsmanager:GetSecretValue'] : []),
      ].sort();
      expect(onSecrets.flatMap(actionsOf).sort(), `${service}/${fn.id}`).toEqual(declared);
      const env = props(lambdaOf(service, fn.id)[1]).Environment.Variables as Record<string, Json>;
      expect(env[secretsPrefixEnvVar(service)], `${service}/${fn.id}`).toBe(
        fn.secrets?.length ? secretsPrefix('azura-test', service) : undefined,
      );
      if (!fn.secrets?.length) continue;
      holders++;
      // Only names under the service's prefix, in this account and region.
      for (const st of onSecrets) {
        expect(JSON.stringify(st.Resource)).toContain(`:secret:${secretsPrefix('azura-test', service)}*`);
        expect(JSON.stringify(st.Resource)).toContain('AWS::AccountId');
      }
      // The stage's key encrypts them (KmsKeyId from the environment), usable only through Secrets Manager.
      expect(crossStackTargets(env[SECRETS_KMS_KEY_ENV], stateful)).toEqual([keyId]);
      const viaSecretsManager = statements.filter(
        (st) => (st as Json).Condition?.StringEquals?.['kms:ViaService'] !== undefined,
      );
      expect(viaSecretsManager.length, `${service}/${fn.id}`).toBe(1);
      expect(crossStackTargets(viaSecretsManager[0]!.Resource, stateful)).toEqual([keyId]);
      expect(JSON.stringify((viaSecretsManager[0] as Json).Condition)).toContain('secretsmanager.');
    }
    expect(holders).toBeGreaterThan(0);
  });

  it('gives the URL of every external queue as an output', () => {
    const urls = Object.values(stateless.Outputs ?? {}).map((o) => localTarget(o.Value));
    for (const name of implied.externalQueues) expect(urls).toContain(queueNamed(name)![0]);
  });
});

describe('the API stack', () => {
  const resources = resourcesOf(api, 'AWS::ApiGateway::Resource');
  const pathOf = (id: string): string => {
    const r = api.Resources[id];
    if (r?.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${pathOf(localTarget(props(r).ParentId) ?? '')}/${props(r).PathPart}`;
  };
  const methodsAt = (path: string) => {
    const resource = resources.find(([id]) => pathOf(id) === path);
    return resourcesOf(api, 'AWS::ApiGateway::Method').filter(
      ([, m]) => resource && localTarget(props(m).ResourceId) === resource[0],
    );
  };

  it('logs every access, traces requests and throttles', () => {
    const [[, stage]] = resourcesOf(api, 'AWS::ApiGateway::Stage') as [[string, CfnResource]];
    const p = props(stage);
    expect(p.AccessLogSetting.DestinationArn).toBeDefined();
    expect(p.AccessLogSetting.Format).toContain('$context.requestId');
    expect(p.TracingEnabled).toBe(true);
    expect(p.MethodSettings[0]).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      LoggingLevel: 'ERROR',
    });
  });

  /** Public routes as `[method, path]`. */
  const publicRoutes = PUBLIC_ROUTES.map((r) => r.split(' ') as [string, string]);
  /**
   * The gateway resources of a prefix: itself and its `{proxy+}`; or, when a public route opens a
   * path parameter right under it (supplier callbacks), itself, `{param}` and `{param}/{proxy+}`.
   */
  const gatewayPathsOf = (prefix: string) => {
    const opened = publicRoutes.filter(([, path]) => path.startsWith(`${prefix}/{`));
    if (!opened.length) return { paths: [prefix, `${prefix}/{proxy+}`], opened };
    const parameter = opened[0]![1];
    return { paths: [prefix, parameter, `${parameter}/{proxy+}`], opened };
  };

  it("sends each declared route prefix, and everything under it, to that service's function only", () => {
    let parameterised = 0;
    for (const { service, fn } of functions) {
      const [fnId] = lambdaOf(service, fn.id);
      for (const prefix of fn.http ?? []) {
        const { paths, opened } = gatewayPathsOf(prefix);
        if (opened.length) parameterised++;
        for (const path of paths) {
          const methods = methodsAt(path);
          const publicMethods = opened.filter(([, p]) => p === path).map(([m]) => m);
          expect(methods.map(([, m]) => props(m).HttpMethod).sort(), path).toEqual(
            ['ANY', ...publicMethods].sort(),
          );
          for (const [, method] of methods) {
            const integration = props(method).Integration;
            expect(integration.Type).toBe('AWS_PROXY');
            expect(crossStackTargets(integration.Uri, stateless)).toEqual([fnId]);
          }
        }
      }
    }
    expect(parameterised).toBe(publicRoutes.filter(([, path]) => path.includes('{')).length);
  });

  it('checks the Cognito ID token at the gateway on every /api/v1 route but the public sign-in and supplier callbacks', () => {
    const [[authorizerId, authorizer]] = resourcesOf(api, 'AWS::ApiGateway::Authorizer') as [
      [string, CfnResource],
    ];
    expect(props(authorizer).Type).toBe('COGNITO_USER_POOLS');
    for (const { fn } of functions) {
      for (const prefix of fn.http ?? []) {
        for (const path of gatewayPathsOf(prefix).paths) {
          const [[, method]] = methodsAt(path).filter(([, m]) => props(m).HttpMethod === 'ANY') as [
            [string, CfnResource],
          ];
          if (prefix.startsWith('/api/v1/')) {
            expect(props(method).AuthorizationType, path).toBe('COGNITO_USER_POOLS');
            expect(localTarget(props(method).AuthorizerId), path).toBe(authorizerId);
          } else {
            expect(props(method).AuthorizationType ?? 'NONE', path).toBe('NONE');
          }
        }
      }
    }
    for (const route of PUBLIC_ROUTES) {
      const [method, path] = route.split(' ') as [string, string];
      const methods = methodsAt(path).filter(([, m]) => props(m).HttpMethod === method);
      expect(methods, route).toHaveLength(1);
      expect(props(methods[0]![1]).AuthorizationType ?? 'NONE', route).toBe('NONE');
    }
  });

  it('answers the liveness route from API Gateway itself', () => {
    const [[, method]] = methodsAt('/api/health') as [[string, CfnResource]];
    expect(props(method).HttpMethod).toBe('GET');
    expect(props(method).Integration.Type).toBe('MOCK');
    expect(props(method).Integration.IntegrationResponses[0].ResponseTemplates['application/json']).toBe(
      '{"status":"ok"}',
    );
  });

  it('gives its URL as an output', () => {
    expect(api.Outputs?.ApiUrl).toBeDefined();
  });
});

describe('the web stack', () => {
  it('serves the dashboard from a private bucket and forwards /api/* to the API, uncached, on the same origin', () => {
    const [[, distribution]] = resourcesOf(web, 'AWS::CloudFront::Distribution') as [[string, CfnResource]];
    const config = props(distribution).DistributionConfig;
    expect(config.Logging.Bucket).toBeDefined();
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe('viewer-request');
    const s3Origin = config.Origins.find((o: Json) => o.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toBeDefined();

    const [apiBehavior] = config.CacheBehaviors;
    expect(apiBehavior.PathPattern).toBe('/api/*');
    expect(apiBehavior.AllowedMethods).toContain('POST');
    expect(apiBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
    const apiOrigin = config.Origins.find((o: Json) => o.Id === apiBehavior.TargetOriginId);
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    const [[restApiId]] = resourcesOf(api, 'AWS::ApiGateway::RestApi') as [[string, CfnResource]];
    expect(crossStackTargets(apiOrigin.DomainName, api)).toContain(restApiId);

    const [[, site]] = resourcesOf(web, 'AWS::S3::Bucket').filter(
      ([, b]) => props(b).LoggingConfiguration,
    ) as [[string, CfnResource]];
    expect(props(site).PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });
});

describe("what the operator's CLI resolves a deployed stage by (npx azura --stage)", () => {
  it('finds every table name and the events topic in the outputs of the stateful stack', () => {
    for (const table of services.flatMap((s) => s.tables)) {
      expect(stateful.Outputs?.[tableOutputKey(table.name)], table.name).toBeDefined();
    }
    expect(stateful.Outputs?.[TOPIC_OUTPUT_KEY]).toBeDefined();
    expect(azura.stateful.stackName).toBe('azura-test-stateful');
  });
});

describe('the monitoring stack', () => {
  it('alarms on the first ledger drift the hourly drift detector reports', () => {
    const monitoring = templateOf(azura.monitoring);
    const drift = resourcesOf(monitoring, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => props(a).MetricName === 'LedgerDrift',
    );
    expect(drift).toBeDefined();
    const p = props(drift![1]);
    expect(p.Namespace).toBe('Azura');
    expect(p.Dimensions).toEqual([{ Name: 'service', Value: 'stock' }]);
    expect([p.ComparisonOperator, p.Threshold, p.EvaluationPeriods]).toEqual(['GreaterThanThreshold', 0, 1]);
    expect(p.TreatMissingData).toBe('notBreaching');
    expect(p.AlarmActions).toHaveLength(1);
    // The detector itself: the declared hourly schedule of stock/drift-check.
    const [lambdaId] = lambdaOf('stock', 'drift-check');
    const rule = resourcesOf(stateless, 'AWS::Events::Rule').find(([, r]) =>
      (props(r).Targets as Json[]).some((t) => localTarget(t.Arn) === lambdaId),
    );
    expect(props(rule![1]).ScheduleExpression).toBe('rate(1 hour)');
  });
});

describe('the monitoring stack, for replenishment', () => {
  it('alarms on the first purchase order that no supplier could take', () => {
    const monitoring = templateOf(azura.monitoring);
    const failed = resourcesOf(monitoring, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => props(a).MetricName === PURCHASE_ORDER_FAILED_METRIC,
    );
    expect(failed).toBeDefined();
    const p = props(failed![1]);
    expect(p.Namespace).toBe('Azura');
    expect(p.Dimensions).toEqual([{ Name: 'service', Value: 'replenishment' }]);
    expect([p.ComparisonOperator, p.Threshold, p.EvaluationPeriods]).toEqual(['GreaterThanThreshold', 0, 1]);
    expect(p.TreatMissingData).toBe('notBreaching');
    expect(p.AlarmActions).toHaveLength(1);
  });
});

describe('the public API URL (for the callback URLs handed to suppliers)', () => {
  it('is the publicApiUrl stage setting, https, without a trailing slash', () => {
    const settingOf = (value: unknown) =>
      settingsFromContext(new App({ context: { publicApiUrl: value } }).node).publicApiUrl;
    expect(settingOf('https://inventory.azura.example/')).toBe('https://inventory.azura.example');
    expect(settingOf('https://abc.execute-api.eu-west-1.amazonaws.com/live/')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/live',
    );
    expect(settingOf(undefined)).toBeUndefined();
    expect(() => settingOf('http://inventory.azura.example')).toThrow(/https/);
    expect(() => settingOf('not a url')).toThrow(/not a URL/);
  });

  it('reaches every function as PUBLIC_API_URL when set, and none when not', () => {
    const { azura: withUrl } = testApp(services, {
      context: { publicApiUrl: 'https://inventory.azura.example' },
    });
    const template = templateOf(withUrl.services);
    const envs = resourcesOf(template, 'AWS::Lambda::Function').map(
      ([, f]) => props(f).Environment.Variables as Record<string, unknown>,
    );
    expect(envs.map((env) => env[PUBLIC_API_URL_ENV])).toEqual(
      envs.map(() => 'https://inventory.azura.example'),
    );
    for (const [, f] of resourcesOf(stateless, 'AWS::Lambda::Function'))
      expect(props(f).Environment.Variables[PUBLIC_API_URL_ENV]).toBeUndefined();
  });
});
