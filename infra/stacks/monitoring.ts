import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DELIVERY_FAILED_METRIC } from '../../services/notifications/service.ts';
import { PURCHASE_ORDER_FAILED_METRIC } from '../../services/replenishment/service.ts';
import { LEDGER_DRIFT_METRIC } from '../../services/stock/service.ts';
import { alarmOnAny } from '../constructs/alarm.ts';
import type { ServiceFunction } from '../constructs/function.ts';
import type { DeadLetterQueue } from '../constructs/queue.ts';
import type { WorkflowConstruct } from '../constructs/workflow.ts';

export interface MonitoringStackProps extends StackProps {
  prefix: string;
  functions: ServiceFunction[];
  deadLetterQueues: DeadLetterQueue[];
  workflows: WorkflowConstruct[];
  api: RestApi;
  alarmTopic: ITopic;
}

const PERIOD = Duration.minutes(5);

/**
 * One dashboard for ops: every function's errors, throttles and duration, every dead-letter
 * queue's depth, the API's errors and latency, and the state of every alarm. The function, DLQ and
 * workflow alarms live with their constructs; the API alarm lives here.
 */
export class MonitoringStack extends Stack {
  readonly dashboard: Dashboard;
  readonly apiServerErrors: Alarm;
  /** Any drift between a stock level and its ledger (when the stock drift detector is deployed). */
  readonly ledgerDrift?: Alarm;
  /** A purchase order that no supplier could take (when the replenishment service is deployed). */
  readonly purchaseOrderFailed?: Alarm;
  readonly notificationDeliveryFailed?: Alarm;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { functions, deadLetterQueues, workflows, api } = props;
    const label = (fn: ServiceFunction) => `${fn.service}/${fn.decl.id}`;
    const perFunction = (metric: (fn: ServiceFunction) => IMetric) => functions.map(metric);

    this.apiServerErrors = new Alarm(this, 'ApiServerErrors', {
      alarmDescription: 'The HTTP API answered 5xx to several requests in 5 minutes.',
      metric: api.metricServerError({ period: PERIOD, statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.apiServerErrors.addAlarmAction(new SnsAction(props.alarmTopic));

    // The drift detector (stock/drift-check, hourly) counts drifted SKUs in `LedgerDrift`: one is too many.
    if (functions.some((fn) => fn.service === 'stock' && fn.decl.id === 'drift-check')) {
      this.ledgerDrift = alarmOnAny(this, 'LedgerDrift', {
        description:
          'A stock level does not match its ledger: run `npx azura ledger check --stage <stage>`, then `ledger repair --sku <sku>` (docs/operations.md).',
        metric: new Metric({
          namespace: 'Azura',
          metricName: LEDGER_DRIFT_METRIC,
          dimensionsMap: { service: 'stock' },
          statistic: 'Maximum',
          period: Duration.hours(1),
        }),
        alarmTopic: props.alarmTopic,
      });
    }

    // The replenishment saga counts in `PurchaseOrderFailed` each PO that failed with no fallback left.
    if (functions.some((fn) => fn.service === 'replenishment')) {
      this.purchaseOrderFailed = alarmOnAny(this, 'PurchaseOrderFailed', {
        description:
          'A purchase order could not be placed with any supplier (webhook down, refused, or gone, and no fallback): ' +
          'the SKU will not be replenished. Its history and saga timeline are on the PO page of the dashboard (Purchasing).',
        metric: new Metric({
          namespace: 'Azura',
          metricName: PURCHASE_ORDER_FAILED_METRIC,
          dimensionsMap: { service: 'replenishment' },
          statistic: 'Sum',
          period: PERIOD,
        }),
        alarmTopic: props.alarmTopic,
      });
    }

    // The notifications service counts in `NotificationDeliveryFailed` each email or SMS that failed every retry.
    if (functions.some((fn) => fn.service === 'notifications')) {
      this.notificationDeliveryFailed = alarmOnAny(this, 'NotificationDeliveryFailed', {
        description:
          'An alert email or SMS failed every retry (SES or SNS refused it, or its template would not render): someone was not told. ' +
          'The delivery log (dashboard: Delivery log, filter status failed) shows each attempt; its message is in notifications-send-dlq (docs/operations.md).',
        metric: new Metric({
          namespace: 'Azura',
          metricName: DELIVERY_FAILED_METRIC,
          dimensionsMap: { service: 'notifications' },
          statistic: 'Sum',
          period: PERIOD,
        }),
        alarmTopic: props.alarmTopic,
      });
    }

    const alarms: IAlarm[] = [
      this.apiServerErrors,
      ...(this.notificationDeliveryFailed ? [this.notificationDeliveryFailed] : []),
      ...(this.ledgerDrift ? [this.ledgerDrift] : []),
      ...(this.purchaseOrderFailed ? [this.purchaseOrderFailed] : []),
      ...functions.map((fn) => fn.errorsAlarm),
      ...deadLetterQueues.map((q) => q.alarm),
      ...workflows.map((w) => w.failedAlarm),
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.prefix}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 4 }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [
          api.metricCount({ period: PERIOD, label: 'requests' }),
          api.metricClientError({ period: PERIOD, label: '4xx' }),
          api.metricServerError({ period: PERIOD, label: '5xx' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency',
        left: [
          api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
          api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: perFunction((fn) => fn.fn.metricErrors({ period: PERIOD, label: label(fn) })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Function throttles',
        left: perFunction((fn) => fn.fn.metricThrottles({ period: PERIOD, label: label(fn) })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Function duration p99',
        left: perFunction((fn) =>
          fn.fn.metricDuration({ period: PERIOD, statistic: 'p99', label: label(fn) }),
        ),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queue depth',
        left: deadLetterQueues.map((q) =>
          q.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: q.name }),
        ),
        width: workflows.length ? 12 : 24,
      }),
      ...(workflows.length
        ? [
            new GraphWidget({
              title: 'Workflow executions',
              left: workflows.flatMap((w) => [
                w.stateMachine.metricStarted({ period: PERIOD, label: `${w.name} started` }),
                w.stateMachine.metricSucceeded({ period: PERIOD, label: `${w.name} succeeded` }),
                w.stateMachine.metricFailed({ period: PERIOD, label: `${w.name} failed` }),
                w.stateMachine.metricTimedOut({ period: PERIOD, label: `${w.name} timed out` }),
              ]),
              width: 12,
            }),
          ]
        : []),
    );

    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of the system',
      value: this.dashboard.dashboardName,
    });
  }
}
