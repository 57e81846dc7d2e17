import { readFileSync } from 'node:fs';
import { Annotations, type App, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Node } from 'constructs';
import type { ServiceDecl } from '../lib/topology.ts';
import { fromRoot } from './paths.ts';
import { ApiStack } from './stacks/api.ts';
import { MonitoringStack } from './stacks/monitoring.ts';
import { ServicesStack } from './stacks/services.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { WebStack } from './stacks/web.ts';
import { stagePrefix } from './topology.ts';

export interface AzuraSettings {
  /** `dev`, `staging`, `prod`...: part of every stack and physical name. */
  stage: string;
  /** Omit for environment-agnostic stacks (synth needs no credentials). */
  env?: Environment;
  /** Origins allowed to use presigned S3 URLs (the web dashboard). */
  webOrigins: string[];
  /** AWS accounts of the order platform: may use the external queues. */
  externalAccounts: string[];
  /**
   * The public base URL of the HTTP API (`-c publicApiUrl=https://…`), e.g. the custom domain or
   * the API stack's `ApiUrl` output: the callback URLs handed to suppliers are built from it. A
   * setting rather than a reference, because the API stack is built from the services stack.
   */
  publicApiUrl?: string;
  /** Sender of alert emails (`-c emailFrom=alerts@example.com` or a domain), verified in SES. */
  emailFrom?: string;
  /** The dashboard's public URL (`-c dashboardUrl=https://…`), for the links in alerts and emails. */
  dashboardUrl?: string;
}

export interface Azura {
  stateful: StatefulStack;
  services: ServicesStack;
  api: ApiStack;
  monitoring: MonitoringStack;
  web: WebStack;
}

const list = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim()) return value.split(',').map((v) => v.trim());
  return [];
};

/** Settings from CDK context: `-c stage=prod -c account=… -c region=… -c webOrigins=https://…`. */
export function settingsFromContext(node: Node): AzuraSettings {
  const stage = String(node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) {
    throw new Error(`stage "${stage}" must be lowercase letters, digits and dashes (at most 16)`);
  }
  const account = node.tryGetContext('account') as string | undefined;
  const region = node.tryGetContext('region') as string | undefined;
  const webOrigins = list(node.tryGetContext('webOrigins'));
  return {
    stage,
    env: account || region ? { account, region } : undefined,
    webOrigins: webOrigins.length ? webOrigins : ['*'],
    externalAccounts: list(node.tryGetContext('orderPlatformAccounts')),
    publicApiUrl: publicApiUrlOf(node.tryGetContext('publicApiUrl')),
    emailFrom: emailFromOf(node.tryGetContext('emailFrom')),
    dashboardUrl: publicApiUrlOf(node.tryGetContext('dashboardUrl'), 'dashboardUrl'),
  };
}

/** An email address or a domain; absent when not set. */
function emailFromOf(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  if (!/^([^@\s]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(text)) {
    throw new Error(`emailFrom "${text}" must be an email address or a domain, e.g. alerts@example.com`);
  }
  return text;
}

/** An https URL, without a trailing slash (paths are appended to it); absent when not set. */
function publicApiUrlOf(value: unknown, setting = 'publicApiUrl'): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new Error(`${setting} "${String(value)}" is not a URL`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash)
    throw new Error(`${setting} "${String(value)}" must be an https URL without query or fragment`);
  return url.href.replace(/\/+$/, '');
}

/**
 * cdk-nag's AWS Solutions rules on every stack at synthesis. A finding fails `cdk synth` unless the
 * construct acknowledges it with a reason (`Validations.of(construct).acknowledge`), next to the
 * code that causes it.
 */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** The feature flags and settings of `cdk.json`, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')).context ?? {};
}

/**
 * The whole system in one stage: stateful resources, the services (built from their
 * declarations), the HTTP API in front of them, the web dashboard, and the operations dashboard
 * and alarms.
 */
export function defineAzura(app: App, services: readonly ServiceDecl[], settings: AzuraSettings): Azura {
  const prefix = stagePrefix(settings.stage);
  const common = { env: settings.env };

  const stateful = new StatefulStack(app, `${prefix}-stateful`, {
    ...common,
    description: 'Azura Inventory: key, tables, buckets, topics (retained on delete)',
    services,
    stage: settings.stage,
    prefix,
    webOrigins: settings.webOrigins,
    emailFrom: settings.emailFrom,
  });
  const servicesStack = new ServicesStack(app, `${prefix}-services`, {
    ...common,
    description: 'Azura Inventory: the services’ functions, queues and subscriptions',
    services,
    prefix,
    shared: {
      key: stateful.key,
      tables: stateful.tables,
      buckets: stateful.buckets,
      bucketAccess: stateful.bucketAccess,
      eventsTopic: stateful.eventsTopic,
      alarmTopic: stateful.alarmTopic,
      directory: stateful.directory,
      databases: new Map(
        [...stateful.databases].map(([service, db]) => [
          service,
          { clusterArn: db.cluster.clusterArn, secretArn: db.secretArn, databaseName: db.databaseName },
        ]),
      ),
      mail: stateful.mail && {
        fromAddress: stateful.mail.fromAddress,
        identityArn: stateful.mail.identity.emailIdentityArn,
        configurationSetName: stateful.mail.configurationSet.configurationSetName,
        configurationSetArn: stateful.mail.configurationSetArn,
        feedbackTopic: stateful.mail.feedbackTopic,
      },
    },
    externalAccounts: settings.externalAccounts,
    publicApiUrl: settings.publicApiUrl,
    dashboardUrl: settings.dashboardUrl,
  });
  if (!settings.publicApiUrl && services.some((s) => s.functions.some((fn) => fn.secrets?.length))) {
    // An info, not a warning: a warning fails `cdk synth`, and the first deployment has no URL yet.
    Annotations.of(servicesStack).addInfo(
      'No publicApiUrl: webhooks sent to outside parties carry no callback URL they can use. Deploy, then ' +
        'deploy again with -c publicApiUrl=<the ApiUrl output, or your custom domain> (docs/deployment.md).',
    );
  }
  const api = new ApiStack(app, `${prefix}-api`, {
    ...common,
    description: 'Azura Inventory: the HTTP API',
    prefix,
    routes: servicesStack.routes,
    userPool: stateful.directory.userPool,
  });
  const web = new WebStack(app, `${prefix}-web`, {
    ...common,
    description: 'Azura Inventory: the web dashboard (CloudFront + S3), with /api/* forwarded to the API',
    prefix,
    api: api.api,
  });
  const monitoring = new MonitoringStack(app, `${prefix}-monitoring`, {
    ...common,
    description: 'Azura Inventory: dashboard and alarms',
    prefix,
    functions: servicesStack.functions,
    deadLetterQueues: servicesStack.deadLetterQueues,
    workflows: [...servicesStack.workflows.values()],
    api: api.api,
    alarmTopic: stateful.alarmTopic,
  });

  Tags.of(app).add('project', 'azura-inventory');
  Tags.of(app).add('stage', settings.stage);
  return { stateful, services: servicesStack, api, monitoring, web };
}
