import { Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEAD_LETTER_QUEUES_ENV, type ServiceDecl } from '../../lib/topology.ts';
import type { ServiceFunction } from '../constructs/function.ts';
import type { DeadLetterQueue } from '../constructs/queue.ts';
import { type HttpRoute, ServiceConstruct, type SharedResources } from '../constructs/service.ts';
import { WorkflowConstruct } from '../constructs/workflow.ts';

/** The service whose users live in the Cognito directory in AWS (a local table otherwise). */
export const IDENTITY_SERVICE = 'identity';

export interface ServicesStackProps extends StackProps {
  services: readonly ServiceDecl[];
  prefix: string;
  shared: SharedResources;
  externalAccounts?: string[];
  /** The public base URL of the HTTP API, for the callback URLs handed to outside parties. */
  publicApiUrl?: string;
  /** The dashboard's base URL, for links in alerts. */
  dashboardUrl?: string;
}

/**
 * Everything stateless: one `ServiceConstruct` per declared service. They share one stack so that
 * the workflows that orchestrate several services can reference their functions without
 * cross-stack cycles; replacing this stack never touches data.
 */
export class ServicesStack extends Stack {
  readonly services = new Map<string, ServiceConstruct>();
  readonly workflows = new Map<string, WorkflowConstruct>();

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    for (const decl of props.services) {
      this.services.set(
        decl.name,
        new ServiceConstruct(this, decl.name, {
          decl,
          prefix: props.prefix,
          shared: props.shared,
          administersDirectory: decl.name === IDENTITY_SERVICE,
          externalAccounts: props.externalAccounts,
          publicApiUrl: props.publicApiUrl,
          dashboardUrl: props.dashboardUrl,
        }),
      );
    }
    this.watchDeadLetterQueues(props.services);
    for (const decl of props.services) {
      for (const workflow of decl.workflows ?? []) {
        const built = new WorkflowConstruct(this, workflow.name, {
          decl: workflow,
          prefix: props.prefix,
          functionOf: (service, id) => this.functionOf(service, id, `workflow ${workflow.name}`),
          alarmTopic: props.shared.alarmTopic,
        });
        this.workflows.set(workflow.name, built);
        // Each function that declares it drives this workflow gets the rights it declares, no more.
        for (const service of props.services) {
          for (const fnDecl of service.functions) {
            const drives = fnDecl.drives?.find((d) => d.workflow === workflow.name);
            if (drives)
              built.grantClient(
                this.functionOf(service.name, fnDecl.id, `${workflow.name} client`),
                drives.can,
              );
          }
        }
      }
    }
  }

  /**
   * Functions that watch every dead-letter queue of the system (`watchesDeadLetterQueues`): their
   * URLs as JSON in `DEAD_LETTER_QUEUES`, and GetQueueAttributes on exactly those queues.
   */
  private watchDeadLetterQueues(services: readonly ServiceDecl[]): void {
    const dlqs = this.deadLetterQueues;
    for (const service of services) {
      for (const decl of service.functions) {
        if (!decl.watchesDeadLetterQueues) continue;
        const watcher = this.functionOf(service.name, decl.id, 'dead-letter watch');
        const urls = Object.fromEntries(dlqs.map((d) => [d.name, d.queue.queueUrl]));
        watcher.fn.addEnvironment(DEAD_LETTER_QUEUES_ENV, this.toJsonString(urls));
        watcher.fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['sqs:GetQueueAttributes'],
            resources: dlqs.map((d) => d.queue.queueArn),
          }),
        );
      }
    }
  }

  private functionOf(service: string, id: string, usedBy: string): ServiceFunction {
    const fn = this.services.get(service)?.functions.get(id);
    if (!fn) throw new Error(`${usedBy} names ${service}/${id}, which is not declared`);
    return fn;
  }

  get functions(): ServiceFunction[] {
    return [...this.services.values()].flatMap((s) => [...s.functions.values()]);
  }

  get deadLetterQueues(): DeadLetterQueue[] {
    return [...this.services.values()].flatMap((s) => s.deadLetterQueues);
  }

  get routes(): HttpRoute[] {
    return [...this.services.values()].flatMap((s) => s.routes);
  }
}
