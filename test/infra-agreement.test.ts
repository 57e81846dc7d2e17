import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { declaredName, localTarget, resourcesOf, tagOf, templateOf, testApp } from '../infra/testing.ts';
import { impliedResources, ROLE_TAG } from '../infra/topology.ts';
import { dynamo, s3, sns, sqs } from '../lib/aws.ts';
import { services } from '../services/index.ts';
import { provisionFor } from './support/env.ts';

/**
 * The two worlds are built from the same declarations, by different code: the CDK app for AWS,
 * local/provision.ts for the emulators. This compares what each actually made, by logical name
 * (the tag the CDK app puts on each resource; the physical name without its prefix locally).
 */
interface Topology {
  topics: string[];
  tables: string[];
  queues: string[];
  deadLetterQueues: string[];
  subscriptions: { queue: string; eventTypes: string[] }[];
  buckets: string[];
  /** The on-failure queue of each table stream (`<table>-stream-dlq`). */
  streamFailureQueues: string[];
}

const sorted = (names: (string | undefined)[]): string[] => names.map(String).sort();
const bySubscriptionQueue = (a: { queue: string }, b: { queue: string }) => a.queue.localeCompare(b.queue);

function synthesized(): Topology {
  const { azura } = testApp(services);
  const stateful = templateOf(azura.stateful);
  const stateless = templateOf(azura.services);
  const queues = resourcesOf(stateless, 'AWS::SQS::Queue');
  const queuesWithRole = (role: string) =>
    sorted(queues.filter(([, q]) => tagOf(q, ROLE_TAG) === role).map(([, q]) => declaredName(q)));
  for (const [, queue] of queues) {
    expect(queue.Properties?.QueueName).toBe(`azura-test-${declaredName(queue)}`);
  }
  return {
    topics: sorted(
      resourcesOf(stateful, 'AWS::SNS::Topic')
        .map(([, t]) => declaredName(t))
        .filter(Boolean),
    ),
    tables: sorted(resourcesOf(stateful, 'AWS::DynamoDB::Table').map(([, t]) => declaredName(t))),
    queues: queuesWithRole('queue'),
    deadLetterQueues: queuesWithRole('dlq'),
    streamFailureQueues: queuesWithRole('stream-dlq'),
    // The events topic's subscriptions (each filters on type); SES's feedback topic has no local twin.
    subscriptions: resourcesOf(stateless, 'AWS::SNS::Subscription')
      .filter(([, s]) => (s.Properties as { FilterPolicy?: unknown }).FilterPolicy)
      .map(([, s]) => {
        const p = s.Properties as {
          Endpoint: unknown;
          FilterPolicy: { type: string[] };
          RawMessageDelivery: boolean;
        };
        expect(p.RawMessageDelivery).toBe(true);
        return {
          queue: declaredName(stateless.Resources[localTarget(p.Endpoint)!]!)!,
          eventTypes: [...p.FilterPolicy.type].sort(),
        };
      })
      .sort(bySubscriptionQueue),
    buckets: sorted(
      resourcesOf(stateful, 'AWS::S3::Bucket')
        .map(([, b]) => declaredName(b))
        .filter(Boolean),
    ),
  };
}

/** What the emulators hold under one provisioning prefix, read back through their APIs. */
async function provisionedLocally(): Promise<Topology> {
  const provisioned = await provisionFor(services);
  const ours = (name: string | undefined): string[] => {
    const start = `${provisioned.prefix}-`;
    return name?.startsWith(start) ? [name.slice(start.length)] : [];
  };
  const lastSegment = (arnOrUrl: string, separator: string) =>
    arnOrUrl.slice(arnOrUrl.lastIndexOf(separator) + 1);

  const tables: string[] = [];
  let ExclusiveStartTableName: string | undefined;
  do {
    const page = await dynamo().send(new ListTablesCommand({ ExclusiveStartTableName }));
    tables.push(...(page.TableNames ?? []).flatMap(ours));
    ExclusiveStartTableName = page.LastEvaluatedTableName;
  } while (ExclusiveStartTableName);

  const { QueueUrls = [] } = await sqs().send(new ListQueuesCommand({ QueueNamePrefix: provisioned.prefix }));
  const queueNames = QueueUrls.flatMap((url) => ours(lastSegment(url, '/')));

  const { Subscriptions = [] } = await sns().send(
    new ListSubscriptionsByTopicCommand({ TopicArn: provisioned.topicArn }),
  );
  const subscriptions = await Promise.all(
    Subscriptions.map(async ({ SubscriptionArn }) => {
      const { Attributes = {} } = await sns().send(new GetSubscriptionAttributesCommand({ SubscriptionArn }));
      expect(Attributes.RawMessageDelivery).toBe('true');
      return {
        queue: ours(lastSegment(Attributes.Endpoint ?? '', ':'))[0]!,
        eventTypes: [...(JSON.parse(Attributes.FilterPolicy ?? '{}').type ?? [])].sort() as string[],
      };
    }),
  );
  const { Buckets = [] } = await s3().send(new ListBucketsCommand({}));

  return {
    topics: sorted(ours(lastSegment(provisioned.topicArn, ':'))),
    tables: sorted(tables),
    queues: sorted(queueNames.filter((n) => !n.endsWith('-dlq'))),
    deadLetterQueues: sorted(queueNames.filter((n) => n.endsWith('-dlq') && !n.endsWith('-stream-dlq'))),
    streamFailureQueues: sorted(queueNames.filter((n) => n.endsWith('-stream-dlq'))),
    subscriptions: subscriptions.sort(bySubscriptionQueue),
    buckets: sorted(Buckets.flatMap((b) => ours(b.Name))),
  };
}

// One synthesis (bundling skipped) for the file.
const deployed = synthesized();

describe('the CDK app and the local provisioning', () => {
  it('create the same topic, tables, queues, dead-letter queues, stream on-failure queues, subscriptions and buckets', async () => {
    // Act
    const local = await provisionedLocally();

    // Assess: the same logical resources on both sides, in both directions. The stream on-failure
    // queues too: locally the stream poller sends its give-ups there, as the mapping does in AWS.
    expect(local).toEqual(deployed);
  });

  it('create exactly what the declarations imply', () => {
    const implied = impliedResources(services);
    expect(deployed).toEqual({
      topics: implied.topics,
      tables: sorted(implied.tables),
      queues: sorted(implied.queues),
      deadLetterQueues: sorted(implied.deadLetterQueues),
      subscriptions: [...implied.subscriptions].sort(bySubscriptionQueue),
      buckets: sorted(implied.buckets),
      streamFailureQueues: sorted(implied.streamFailureQueues),
    });
  });
});
