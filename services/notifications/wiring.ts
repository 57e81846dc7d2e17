import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { observability } from '../../lib/observability.ts';
import { DASHBOARD_URL_ENV } from '../../lib/topology.ts';
import { DynamoAlertStore } from './alert-store.ts';
import { defaultContentStore } from './content-store.ts';
import { DynamoDeliveryStore, DynamoInboxStore } from './delivery-store.ts';
import { Alerting } from './domain/alerting.ts';
import { Delivery, Inbox, NotificationPreferences } from './domain/delivery.ts';
import { defaultEmailSender } from './email.ts';
import { defaultSendQueue } from './send-queue.ts';
import { DELIVERY_FAILED_METRIC } from './service.ts';
import { defaultSmsSender } from './sms.ts';
import { ReactEmailRenderer } from './templates/renderer.ts';

/**
 * The notifications service, wired once per process on first use (Lambda module scope; tests
 * after provisioning): alerting over the alert store, delivery over the delivery and inbox
 * stores, the send queue, the renderer, SES and SNS.
 */
let alertStore: DynamoAlertStore | undefined;
let deliveryStore: DynamoDeliveryStore | undefined;
let inboxStore: DynamoInboxStore | undefined;
let delivery: Delivery | undefined;
let alerting: Alerting | undefined;

export const defaultAlertStore = (): DynamoAlertStore => {
  alertStore ??= new DynamoAlertStore();
  return alertStore;
};
export const defaultDeliveryStore = (): DynamoDeliveryStore => {
  deliveryStore ??= new DynamoDeliveryStore();
  return deliveryStore;
};
const defaultInboxStore = (): DynamoInboxStore => {
  inboxStore ??= new DynamoInboxStore();
  return inboxStore;
};

/** Where links in emails and SMS point: the dashboard (DASHBOARD_URL), else the local default. */
export const dashboardUrl = (): string =>
  (process.env[DASHBOARD_URL_ENV] ?? 'http://localhost:3000').replace(/\/$/, '');

/** Events in one 15-minute window that make a spike (NOTIFICATIONS_SPIKE_THRESHOLD, default 10). */
export function spikeThresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.NOTIFICATIONS_SPIKE_THRESHOLD);
  return Number.isInteger(value) && value > 0 ? value : 10;
}

export function defaultDelivery(): Delivery {
  if (!delivery) {
    const { logger, metrics } = observability('notifications');
    delivery = new Delivery(
      defaultDeliveryStore(),
      defaultInboxStore(),
      defaultAlertStore(),
      defaultSendQueue(),
      {
        renderer: new ReactEmailRenderer(),
        email: defaultEmailSender(),
        sms: defaultSmsSender(),
        content: defaultContentStore(),
      },
      {
        dashboardUrl,
        onFailed: (record, error) => {
          logger.error('NOTIFICATION DELIVERY FAILED for good', {
            deliveryId: record.id,
            channel: record.channel,
            alertType: record.alertType,
            error,
          });
          metrics.addMetric(DELIVERY_FAILED_METRIC, MetricUnit.Count, 1);
          metrics.publishStoredMetrics();
        },
        log: (level, message, details) => logger[level](message, details ?? {}),
      },
    );
  }
  return delivery;
}

export function defaultAlerting(): Alerting {
  alerting ??= new Alerting(defaultAlertStore(), defaultDelivery(), {
    spikeThreshold: spikeThresholdFromEnv(),
  });
  return alerting;
}

export const defaultInbox = (): Inbox => new Inbox(defaultInboxStore(), defaultDeliveryStore());
export const defaultPreferences = (): NotificationPreferences =>
  new NotificationPreferences(defaultDeliveryStore(), defaultAlertStore());
