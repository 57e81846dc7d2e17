import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface MailProps {
  prefix: string;
  key: IKey;
  /**
   * Who alert emails come from (`-c emailFrom=alerts@example.com`): an address, or a domain
   * (then the identity is the domain and mail comes from `alerts@<domain>`). SES must verify it
   * (DKIM records for a domain, a click for an address) and, until the account leaves the SES
   * sandbox, every recipient too (docs/deployment.md).
   */
  emailFrom: string;
}

/**
 * Email for the stage: the SES v2 sender identity, a configuration set that keeps the account's
 * suppression list for bounces and complaints, and publishes every send's bounce, complaint,
 * delivery and reject events to an SNS topic the notifications service subscribes to.
 */
export class Mail extends Construct {
  readonly identity: EmailIdentity;
  readonly configurationSet: ConfigurationSet;
  /** SES's events (raw SES event JSON inside SNS notifications). */
  readonly feedbackTopic: Topic;
  /** The From address functions send with. */
  readonly fromAddress: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    const isAddress = props.emailFrom.includes('@');
    this.fromAddress = isAddress ? props.emailFrom : `alerts@${props.emailFrom}`;
    this.identity = new EmailIdentity(this, 'Identity', {
      identity: isAddress ? Identity.email(props.emailFrom) : Identity.domain(props.emailFrom),
    });
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: `${props.prefix}-notifications`,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
    });
    this.feedbackTopic = new Topic(this, 'FeedbackTopic', {
      topicName: `${props.prefix}-email-feedback`,
      displayName: 'Azura Inventory: SES bounces, complaints and deliveries',
      masterKey: props.key,
      enforceSSL: true,
    });
    // SES publishes to the encrypted topic, so SES must use the key (on this account's behalf only).
    props.key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.configurationSet.addEventDestination('ToSns', {
      destination: EventDestination.snsTopic(this.feedbackTopic),
      events: [
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.REJECT,
        EmailSendingEvent.RENDERING_FAILURE,
      ],
    });
  }

  /** ARN of the configuration set (SendEmail authorizes on it as well as on the identity). */
  get configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }
}
