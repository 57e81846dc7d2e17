import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { dynamo, sqs } from '../lib/aws.ts';
import { services } from '../services/index.ts';
import { provisionFor } from './support/env.ts';

describe('local provisioning from the service declarations', () => {
  it('creates every declared table with its stream and every queue with a redrive to its DLQ', async () => {
    const provisioned = await provisionFor(services);

    for (const table of provisioned.tables) {
      const { Table } = await dynamo().send(new DescribeTableCommand({ TableName: table.tableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Boolean(Table?.StreamSpecification?.StreamEnabled)).toBe(Boolean(table.stream));
    }
    for (const queue of provisioned.queues) {
      const { Attributes } = await sqs().send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['RedrivePolicy'] }),
      );
      const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}');
      expect(redrive.maxReceiveCount).toBe(String(queue.maxReceiveCount));
      expect(redrive.deadLetterTargetArn).toMatch(/-dlq$/);
    }
  });
});
