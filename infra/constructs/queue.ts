import { Duration, Tags, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dlqName } from '../../lib/topology.ts';
import { NAME_TAG, type QueueRole, ROLE_TAG } from '../topology.ts';
import { alarmOnAny } from './alarm.ts';

interface DeadLetterQueueProps {
  /** Logical name; the physical one is `<prefix>-<name>`. */
  name: string;
  prefix: string;
  role: Exclude<QueueRole, 'queue'>;
  alarmTopic: ITopic;
}

/**
 * A queue where failed messages wait for a human, with an alarm as soon as one arrives.
 * Messages are kept 14 days (the SQS maximum) so there is time to look and redrive.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;
  readonly name: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.name = props.name;
    this.queue = new Queue(this, 'Queue', {
      queueName: `${props.prefix}-${props.name}`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Tags.of(this.queue).add(NAME_TAG, props.name);
    Tags.of(this.queue).add(ROLE_TAG, props.role);
    if (props.role === 'stream-dlq') {
      Validations.of(this.queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is the on-failure destination of a stream mapping: it is itself the dead end.',
      });
    }
    this.alarm = alarmOnAny(this, 'NotEmpty', {
      description: `Messages are waiting in ${props.name}: inspect them, fix the cause, redrive.`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      alarmTopic: props.alarmTopic,
    });
  }
}

export interface QueueWithDlqProps {
  /** Logical name (the declared `QueueDecl.name`); its DLQ is `<name>-dlq`. */
  name: string;
  prefix: string;
  visibilityTimeout: Duration;
  /** Deliveries before a message moves to the DLQ. */
  maxReceiveCount: number;
  alarmTopic: ITopic;
}

/** A work queue whose poison messages move to `<name>-dlq` after `maxReceiveCount` deliveries. */
export class QueueWithDlq extends Construct {
  readonly queue: Queue;
  readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.deadLetters = new DeadLetterQueue(this, 'Dlq', {
      name: dlqName(props.name),
      prefix: props.prefix,
      role: 'dlq',
      alarmTopic: props.alarmTopic,
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: `${props.prefix}-${props.name}`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetters.queue, maxReceiveCount: props.maxReceiveCount },
    });
    Tags.of(this.queue).add(NAME_TAG, props.name);
    Tags.of(this.queue).add(ROLE_TAG, 'queue');
  }
}
