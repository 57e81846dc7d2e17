import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { type ServiceDecl, stateMachineEnvVar, type WorkflowTaskDecl } from '../../lib/topology.ts';
import type { LambdaHandler } from '../lambda.ts';
import { localFunctionName } from './definition.ts';
import { LocalStepFunctions } from './engine.ts';
import { serveStepFunctions } from './server.ts';

export { LocalStepFunctions } from './engine.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface StepFunctionsOptions {
  /** Every service whose `workflows` are registered, and whose functions their tasks may invoke. */
  services: readonly ServiceDecl[];
  /** Physical names are `<prefix>-<workflow>`. */
  prefix: string;
  /** The handler of a declared function (looked up at each call); by default its `entry` module is imported here. */
  handlerOf?: (service: string, functionId: string) => LambdaHandler;
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  /** Pause between retries in ms instead of IntervalSeconds × BackoffRate (fast tests). */
  retryDelayMs?: number;
  onError?: (error: unknown, where: string) => void;
}

export interface StepFunctionsRuntime {
  /** http://127.0.0.1:port, for AWS_ENDPOINT_URL_SFN. */
  endpoint: string;
  engine: LocalStepFunctions;
  /** Workflow name → state machine ARN. */
  stateMachineArns: Record<string, string>;
  /** `AWS_ENDPOINT_URL_SFN` and `<WORKFLOW>_STATE_MACHINE_ARN` of every workflow, for process.env. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function importHandlers(services: readonly ServiceDecl[]): Promise<Map<string, LambdaHandler>> {
  const handlers = new Map<string, LambdaHandler>();
  for (const service of services) {
    for (const fn of service.functions) {
      const module = (await import(pathToFileURL(join(ROOT, fn.entry)).href)) as { handler?: LambdaHandler };
      if (module.handler) handlers.set(`${service.name}/${fn.id}`, module.handler);
    }
  }
  return handlers;
}

/**
 * Registers every declared workflow (its ASL extracted from the CDK definition, its tasks mapped
 * to the declared functions' handlers) and serves the Step Functions API on a local port.
 */
export async function startStepFunctions(options: StepFunctionsOptions): Promise<StepFunctionsRuntime> {
  const imported = options.handlerOf ? undefined : await importHandlers(options.services);
  const handlerOf =
    options.handlerOf ??
    ((service: string, id: string) => {
      const handler = imported?.get(`${service}/${id}`);
      if (!handler) throw new Error(`no handler exported by ${service}/${id}`);
      return handler;
    });
  const engine = new LocalStepFunctions({ retryDelayMs: options.retryDelayMs, onError: options.onError });
  const taskFunction = (workflow: string, task: WorkflowTaskDecl) => {
    const decl = options.services
      .find((s) => s.name === task.service)
      ?.functions.find((f) => f.id === task.functionId);
    if (!decl) {
      throw new Error(
        `workflow ${workflow} invokes ${task.service}/${task.functionId}, which the given services do not declare`,
      );
    }
    return {
      name: localFunctionName(task),
      // Resolved per call: the runtime may register workflows before it loads the handler modules
      // (a module may read its state machine's ARN from process.env at load).
      handler: (event: unknown, context: Context) => handlerOf(task.service, task.functionId)(event, context),
      timeoutSeconds: decl.timeoutSeconds,
    };
  };

  const stateMachineArns: Record<string, string> = {};
  const env: Record<string, string> = {};
  const workflows = options.services.flatMap((s) => s.workflows ?? []);
  if (workflows.length) {
    // aws-cdk-lib is loaded only when there is a workflow to extract.
    const { extractAsl } = await import('./asl.ts');
    for (const workflow of workflows) {
      const { definition, functions } = extractAsl(workflow, engine.env);
      const arn = engine.register({
        name: `${options.prefix}-${workflow.name}`,
        definition,
        resolveFunction: (ref) => {
          const task = functions.get(ref);
          return task && taskFunction(workflow.name, task);
        },
      });
      stateMachineArns[workflow.name] = arn;
      env[stateMachineEnvVar(workflow.name)] = arn;
    }
  }
  const server = await serveStepFunctions(engine, { port: options.port, onError: options.onError });
  env.AWS_ENDPOINT_URL_SFN = server.endpoint;
  return {
    endpoint: server.endpoint,
    engine,
    stateMachineArns,
    env,
    stop: async () => {
      engine.stop();
      await server.close();
    },
  };
}
