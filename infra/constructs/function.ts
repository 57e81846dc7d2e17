import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FunctionDecl } from '../../lib/topology.ts';
import { fromRoot } from '../paths.ts';
import { alarmOnAny } from './alarm.ts';

/** The Lambda runtime of every function: the newest Node.js this aws-cdk-lib knows. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

export interface ServiceFunctionProps {
  service: string;
  decl: FunctionDecl;
  /** Physical-name prefix of the stage, e.g. `azura-dev`. */
  prefix: string;
  environment: Record<string, string>;
  alarmTopic: ITopic;
  logRetention?: RetentionDays;
  /** Shell commands around esbuild, e.g. copying files the function reads at run time beside the bundle. */
  commandHooks?: ICommandHooks;
}

/**
 * One declared function with everything every function has: ESM bundle of its entry (AWS SDK
 * left to the runtime), ARM64, X-Ray tracing, Powertools settings, its own log group with a
 * retention, a role that may write only to that log group, and an alarm on errors.
 * Grants to data (tables, topic, bucket) are added by the service construct from the declaration.
 */
export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly errorsAlarm: Alarm;
  readonly decl: FunctionDecl;
  readonly service: string;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { decl, service } = props;
    this.decl = decl;
    this.service = service;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the AWS-managed basic execution policy: logs only to its own group.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${service}/${decl.id}: ${decl.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(role);

    const functionName = `${props.prefix}-${service}-${decl.id}`;
    if (functionName.length > 64) {
      throw new Error(
        `function name ${functionName} is longer than Lambda's 64 characters: shorten the id or stage`,
      );
    }
    this.fn = new NodejsFunction(this, 'Function', {
      functionName,
      description: decl.description,
      entry: fromRoot(decl.entry),
      handler: 'handler',
      depsLockFilePath: fromRoot('package-lock.json'),
      projectRoot: fromRoot('.'),
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: decl.memoryMb ?? 512,
      timeout: Duration.seconds(decl.timeoutSeconds ?? 10),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: 'Azura',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // prettier: only @react-email/render's `pretty` option loads it, and we never pass it (-260 KB).
        externalModules: ['@aws-sdk/*', 'prettier'],
        ...(decl.bundleNodeModules ? { nodeModules: decl.bundleNodeModules } : {}),
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
        // Bundled CommonJS dependencies may call require(): give ESM output one.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and, for stream consumers, dynamodb:ListStreams ' +
        'support no resource-level permissions.',
    });

    this.errorsAlarm = alarmOnAny(this, 'Errors', {
      description: `${service}/${decl.id} failed (unhandled errors or timeouts).`,
      metric: this.fn.metricErrors({ period: Duration.minutes(5) }),
      alarmTopic: props.alarmTopic,
    });
  }
}
