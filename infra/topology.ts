import { dlqName, EVENTS_TOPIC, type ServiceDecl } from '../lib/topology.ts';

/**
 * What a set of service declarations implies, by logical name: the list both worlds must build.
 * The CDK app tags every resource it creates from a declaration with its logical name
 * (`NAME_TAG`), and the local provisioning prefixes the same names, so either side can be
 * compared with this list (test/infra-agreement.test.ts).
 */
export interface ImpliedResources {
  /** The one events topic. */
  topics: string[];
  tables: string[];
  /** Declared queues that feed a function. */
  queues: string[];
  /** The dead-letter queue of each declared queue (`<queue>-dlq`). */
  deadLetterQueues: string[];
  /** Events-topic subscriptions: the queue and the `type` values its filter policy admits. */
  subscriptions: { queue: string; eventTypes: string[] }[];
  buckets: string[];
  /**
   * The on-failure destination of each table stream's event source mapping (`<table>-stream-dlq`).
   * Locally the stream poller sends its give-ups to a queue of the same name, in the same shape.
   */
  streamFailureQueues: string[];
  /** Queues an outside party sends to (their URLs are stack outputs). */
  externalQueues: string[];
}

/** Tag carrying the logical (declared) name of a resource built from a declaration. */
export const NAME_TAG = 'azura:name';
/** Tag carrying the owning service. */
export const SERVICE_TAG = 'azura:service';
/** Tag telling what a queue is for: `queue`, `dlq` or `stream-dlq`. */
export const ROLE_TAG = 'azura:role';

export type QueueRole = 'queue' | 'dlq' | 'stream-dlq';

/** The on-failure queue of a table's stream mapping. */
export const streamFailureQueueName = (table: string): string => `${table}-stream-dlq`;

/** Prefix of every physical name in a stage: `azura-dev-stock-catalog-events`. */
export const stagePrefix = (stage: string): string => `azura-${stage}`;

export function impliedResources(services: readonly ServiceDecl[]): ImpliedResources {
  const queues = services.flatMap((s) => s.queues);
  const tables = services.flatMap((s) => s.tables);
  return {
    topics: [EVENTS_TOPIC],
    tables: tables.map((t) => t.name),
    queues: queues.map((q) => q.name),
    deadLetterQueues: queues.map((q) => dlqName(q.name)),
    subscriptions: queues
      .filter((q) => q.subscribesTo?.length)
      .map((q) => ({ queue: q.name, eventTypes: [...(q.subscribesTo ?? [])].sort() })),
    buckets: services.flatMap((s) => (s.bucket ? [s.bucket] : [])),
    streamFailureQueues: tables.filter((t) => t.stream).map((t) => streamFailureQueueName(t.name)),
    externalQueues: queues.filter((q) => q.external).map((q) => q.name),
  };
}

/** `orders-inbound` → `OrdersInbound`: for stable CloudFormation output names. */
export const pascalCase = (name: string): string =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
