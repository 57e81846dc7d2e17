import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { pascalCase, stagePrefix, streamFailureQueueName } from '../infra/topology.ts';
import { sqs } from '../lib/aws.ts';
import { dlqName } from '../lib/topology.ts';
import { RUNTIME_FILE, readRuntimeInfo } from '../local/runtime-info.ts';
import { CliError } from './output.ts';

/**
 * Where the CLI works: the running `npm start` (found through `.data/runtime.json`, which the
 * runtime writes on start), or a deployed stage (`--stage <name>`), resolved the way `infra/`
 * names things: table names and the topic ARN from the outputs of the `azura-<stage>-stateful`
 * stack (`<Name>TableName`, `EventsTopicArn`), queues by their physical names
 * `azura-<stage>-<queue>`, `-<queue>-dlq` and `-<table>-stream-dlq`, databases from the outputs
 * `<Name>DbClusterArn` and `<Name>DbSecretArn` (the database in the cluster is `<name>`; locally the
 * runtime file lists them). Against a stage the AWS SDK
 * uses the usual credential chain and region (AWS_PROFILE, AWS_REGION, SSO, …).
 */
export interface DeadLetterQueueRef {
  /** Logical name, as in the declarations: `stock-catalog-events-dlq`, `stock-stream-dlq`. */
  name: string;
  url: string;
  kind: 'dlq' | 'stream-dlq';
  /** A queue's DLQ: the queue its messages came from (where `dlq redrive` sends them back). */
  source?: { name: string; url: string };
  /** A stream's on-failure queue: the table whose stream records it points to. */
  table?: { logicalName: string; tableName: string };
}

/** A service's SQL database, as the RDS Data API addresses it. */
export interface DatabaseRef {
  /** The owning service, e.g. `reporting`. */
  service: string;
  /** The logical name (`DatabaseDecl.name`), e.g. `reporting`. */
  name: string;
  /** The database inside the cluster. */
  database: string;
  clusterArn: string;
  secretArn: string;
}

export interface Target {
  kind: 'local' | 'stage';
  /** For people: where this is. */
  description: string;
  prefix: string;
  topicArn: string;
  /** Logical table name → physical name. */
  tables: Map<string, string>;
  deadLetterQueues: DeadLetterQueueRef[];
  /** The services' SQL databases (the reporting read model). */
  databases: DatabaseRef[];
  /** Where the republish journal is kept. */
  journalDir: string;
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_RUNTIME_FILE = join(REPO_ROOT, '.data', RUNTIME_FILE);

/** The outputs of `azura-<stage>-stateful` a stage is resolved by (test/infra-stacks.test.ts checks they exist). */
export const tableOutputKey = (table: string): string => `${pascalCase(table)}TableName`;
export const TOPIC_OUTPUT_KEY = 'EventsTopicArn';
/** The outputs of `azura-<stage>-stateful` a stage's database is resolved by. */
export const databaseOutputKeys = (database: string): { clusterArn: string; secretArn: string } => ({
  clusterArn: `${pascalCase(database)}DbClusterArn`,
  secretArn: `${pascalCase(database)}DbSecretArn`,
});

export async function resolveTarget(options: { stage?: string; runtimeFile?: string }): Promise<Target> {
  return options.stage
    ? stageTarget(options.stage)
    : localTarget(options.runtimeFile ?? DEFAULT_RUNTIME_FILE);
}

function localTarget(file: string): Target {
  const info = readRuntimeInfo(file);
  if (!info) {
    throw new CliError(
      `No local runtime found: ${file} does not exist. Start one with \`npm start\` (it writes that file), or pass --stage <name> for a deployed stage.`,
    );
  }
  // The emulators accept any credentials; the SDK reads the endpoints from these variables itself.
  Object.assign(process.env, info.endpoints, {
    AWS_REGION: info.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  const tables = new Map(info.tables.map((t) => [t.logicalName, t.tableName]));
  return {
    kind: 'local',
    description: `the local runtime at ${info.url} (pid ${info.pid}, prefix ${info.prefix})`,
    prefix: info.prefix,
    topicArn: info.topicArn,
    tables,
    deadLetterQueues: [
      ...info.queues.map((q) => ({
        name: dlqName(q.name),
        url: q.dlqUrl,
        kind: 'dlq' as const,
        source: { name: q.name, url: q.url },
      })),
      ...info.tables.flatMap((t) =>
        t.failureQueue
          ? [
              {
                name: t.failureQueue.name,
                url: t.failureQueue.url,
                kind: 'stream-dlq' as const,
                table: { logicalName: t.logicalName, tableName: t.tableName },
              },
            ]
          : [],
      ),
    ],
    databases: info.databases,
    journalDir: join(file, '..'),
  };
}

async function stageTarget(stage: string): Promise<Target> {
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) {
    throw new CliError(`--stage "${stage}" must be lowercase letters, digits and dashes (at most 16)`, 2);
  }
  // The declarations say what exists; loaded only here, the local path does not need them.
  const { services } = await import('../services/index.ts');
  const prefix = stagePrefix(stage);
  const stackName = `${prefix}-stateful`;
  const { Stacks } = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const output = (key: string): string => {
    const value = outputs.get(key);
    if (!value) throw new CliError(`stack ${stackName} has no output ${key}: is stage ${stage} deployed?`);
    return value;
  };
  const tables = new Map<string, string>();
  for (const service of services) {
    for (const table of service.tables) tables.set(table.name, output(tableOutputKey(table.name)));
  }
  const urlOf = async (name: string) =>
    (await sqs().send(new GetQueueUrlCommand({ QueueName: `${prefix}-${name}` }))).QueueUrl!;
  const deadLetterQueues: DeadLetterQueueRef[] = [];
  for (const service of services) {
    for (const queue of service.queues) {
      deadLetterQueues.push({
        name: dlqName(queue.name),
        url: await urlOf(dlqName(queue.name)),
        kind: 'dlq',
        source: { name: queue.name, url: await urlOf(queue.name) },
      });
    }
    for (const table of service.tables.filter((t) => t.stream)) {
      const name = streamFailureQueueName(table.name);
      deadLetterQueues.push({
        name,
        url: await urlOf(name),
        kind: 'stream-dlq',
        table: { logicalName: table.name, tableName: tables.get(table.name)! },
      });
    }
  }
  // In AWS the database inside each cluster is named after its declaration (`reporting`).
  // A stage deployed before its database has no such outputs: only the commands that need the
  // database fail then (databaseOf), the others work as before.
  const databases: DatabaseRef[] = services.flatMap((service) => {
    if (!service.database) return [];
    const keys = databaseOutputKeys(service.database.name);
    const clusterArn = outputs.get(keys.clusterArn);
    const secretArn = outputs.get(keys.secretArn);
    if (!clusterArn || !secretArn) return [];
    return [
      {
        service: service.name,
        name: service.database.name,
        database: service.database.name,
        clusterArn,
        secretArn,
      },
    ];
  });
  return {
    kind: 'stage',
    description: `stage ${stage} (${prefix}, region ${process.env.AWS_REGION ?? 'from your AWS profile'})`,
    prefix,
    topicArn: output(TOPIC_OUTPUT_KEY),
    tables,
    deadLetterQueues,
    databases,
    journalDir: join(REPO_ROOT, '.data'),
  };
}

/** A dead-letter queue by its logical name (or physical name, or URL). @throws CliError (usage) when unknown. */
export function deadLetterQueueOf(target: Target, name: string): DeadLetterQueueRef {
  const found = target.deadLetterQueues.find(
    (q) => q.name === name || `${target.prefix}-${q.name}` === name || q.url === name,
  );
  if (!found) {
    throw new CliError(
      `unknown dead-letter queue "${name}"; known: ${target.deadLetterQueues.map((q) => q.name).join(', ')}`,
      2,
    );
  }
  return found;
}

export function tableOf(target: Target, logicalName: string): string {
  const table = target.tables.get(logicalName);
  if (!table) throw new CliError(`${target.description} has no table "${logicalName}"`);
  return table;
}

/** A database by its logical name (`reporting`). @throws CliError when the target has none. */
export function databaseOf(target: Target, name: string): DatabaseRef {
  const found = target.databases.find((d) => d.name === name);
  if (!found) {
    throw new CliError(
      `${target.description} has no database "${name}"${
        target.kind === 'local'
          ? ': is the reporting service part of the running `npm start` (restart it if it started before databases were listed in its runtime file)?'
          : `: the stateful stack has no outputs ${Object.values(databaseOutputKeys(name)).join(' and ')}; is the reporting database deployed?`
      }`,
    );
  }
  return found;
}
