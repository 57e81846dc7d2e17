import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import { stateMachineEnvVar, type WorkflowClientRight, type WorkflowDecl } from '../../lib/topology.ts';
import { alarmOnAny } from './alarm.ts';
import type { ServiceFunction } from './function.ts';

export interface WorkflowConstructProps {
  decl: WorkflowDecl;
  prefix: string;
  /** Finds the declared function a Task names (any service). */
  functionOf: (service: string, functionId: string) => ServiceFunction;
  alarmTopic: ITopic;
}

/**
 * A declared workflow as a Standard state machine: its definition from the declaration's `build`
 * with the real functions, every event logged, X-Ray traced, and an alarm on failed or timed-out
 * executions. Its ARN is built from its name, so a function may both run as one of its tasks
 * and know its ARN without a dependency cycle.
 */
export class WorkflowConstruct extends Construct {
  readonly stateMachine: StateMachine;
  readonly stateMachineArn: string;
  readonly failedAlarm: Alarm;
  readonly name: string;
  private readonly executionsArn: string;

  constructor(scope: Construct, id: string, props: WorkflowConstructProps) {
    super(scope, id);
    const { decl } = props;
    this.name = decl.name;
    const stateMachineName = `${props.prefix}-${decl.name}`;
    const stack = Stack.of(this);
    this.stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const tasks = Object.entries(decl.tasks).map(
      ([key, task]) => [key, props.functionOf(task.service, task.functionId)] as const,
    );
    const logs = new LogGroup(this, 'Logs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: decl.description,
      definitionBody: DefinitionBody.fromChainable(
        decl.build(this, Object.fromEntries(tasks.map(([key, fn]) => [key, fn.fn]))),
      ),
      timeout: decl.timeoutSeconds ? Duration.seconds(decl.timeoutSeconds) : undefined,
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
    });

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray and CloudWatch Logs delivery APIs used by Step Functions support no resource-level permissions.',
    });
    for (const [, task] of tasks) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(task.fn.functionArn))}:*]`,
        reason: `Invoking ${task.service}/${task.decl.id} by any of its versions or aliases (CDK's lambda:invoke grant).`,
      });
    }

    this.failedAlarm = alarmOnAny(this, 'ExecutionsFailed', {
      description: `Executions of ${decl.name} failed, timed out or were aborted: look at their history.`,
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      alarmTopic: props.alarmTopic,
    });
  }

  /** Lets a function do what its declaration says with this workflow (`drives` in service.ts). */
  grantClient(client: ServiceFunction, can: readonly WorkflowClientRight[]): void {
    const lambda = client.fn;
    lambda.addEnvironment(stateMachineEnvVar(this.name), this.stateMachineArn);
    if (can.includes('start')) {
      Grant.addToPrincipal({
        grantee: lambda,
        actions: ['states:StartExecution'],
        resourceArns: [this.stateMachineArn],
      });
    }
    if (can.includes('answer')) {
      Grant.addToPrincipal({
        grantee: lambda,
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resourceArns: [this.stateMachineArn],
      });
    }
    if (!can.includes('read')) return;
    Grant.addToPrincipal({
      grantee: lambda,
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resourceArns: [this.executionsArn],
    });
    Validations.of(client).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(this).resolve(this.executionsArn))}]`,
      reason: `Reading the history of any execution of ${this.name} (one per order, named at start).`,
    });
  }
}
