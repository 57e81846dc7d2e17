import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  type IAuthorizer,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  MockIntegration,
  PassthroughBehavior,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PUBLIC_ROUTES } from '../../lib/permissions.ts';
import type { HttpRoute } from '../constructs/service.ts';

export interface ApiStackProps extends StackProps {
  prefix: string;
  routes: HttpRoute[];
  /**
   * The Cognito user pool whose ID tokens the gateway checks on every /api/v1 route but the
   * public ones (lib/permissions.ts `PUBLIC_ROUTES`), before any function runs. The functions
   * verify the token again and check the route's roles (lib/auth.ts): defence in depth.
   */
  userPool?: IUserPool;
  throttling?: { rateLimit: number; burstLimit: number };
}

/**
 * The one public HTTP API. Each route prefix a function declares (`http` in service.ts) is a
 * proxy to that function alone, so a service's API function only ever sees its own paths.
 */
export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    const throttling = props.throttling ?? { rateLimit: 100, burstLimit: 200 };

    this.api = new RestApi(this, 'Api', {
      restApiName: `${props.prefix}-api`,
      description: 'Azura Inventory HTTP API',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'live',
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
      },
    });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Each route validates its body and parameters with its zod schema in the function and answers a ' +
        'problem+json 400 naming the field; a gateway validator without models would check nothing.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role; this AWS-managed policy is the one AWS documents for it.",
    });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF web ACL yet: stage throttling bounds abuse; a web ACL (with its cost and rule tuning) is ' +
        'a per-environment decision recorded in docs/deployment.md.',
    });

    this.addHealthRoute();
    const authorizer = props.userPool
      ? new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
          cognitoUserPools: [props.userPool],
          identitySource: 'method.request.header.Authorization',
          resultsCacheTtl: Duration.minutes(5),
        })
      : undefined;
    const publicRoutes = authorizer ? parsePublicRoutes(props.routes) : [];
    for (const route of props.routes) {
      const guarded = route.prefix.startsWith('/api/v1/') ? authorizer : undefined;
      const openings = publicRoutes.filter((p) => p.route === route && p.parameter);
      if (openings.length) this.addProxyRouteWithParameter(route, openings, guarded!);
      else this.addProxyRoute(route, guarded);
    }
    for (const entry of publicRoutes) if (!entry.parameter) this.addFixedPublicRoute(entry);

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the HTTP API (append /api/v1/...)',
      value: this.api.url,
    });
  }

  /** `prefix` and everything under it, any method, to the route's function. */
  private addProxyRoute(route: HttpRoute, authorizer?: IAuthorizer): void {
    const options: MethodOptions = authorizer
      ? { authorizer, authorizationType: authorizer.authorizationType ?? AuthorizationType.CUSTOM }
      : {};
    const integration = new LambdaIntegration(route.function.fn, { proxy: true });
    const resource = this.api.root.resourceForPath(route.prefix);
    resource.addMethod('ANY', integration, options);
    resource.addProxy({ defaultIntegration: integration, defaultMethodOptions: options, anyMethod: true });
    if (!authorizer) {
      for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(resource).acknowledge({
          id,
          reason: route.prefix.startsWith('/api/v1/')
            ? 'Each function verifies the Cognito ID token itself (lib/auth.ts, aws-jwt-verify) and checks ' +
              'the route against the role table.'
            : 'Public by design: the API documentation, generated from the route definitions.',
        });
      }
    }
  }

  /**
   * A fixed public path under a guarded prefix (sign-in) gets a resource of its own, without the
   * authorizer: API Gateway prefers it to the prefix's `{proxy+}`.
   */
  private addFixedPublicRoute({ entry, method, path, route }: PublicRoute): void {
    const resource = this.api.root.resourceForPath(path);
    resource.addMethod(method, new LambdaIntegration(route.function.fn, { proxy: true }));
    acknowledgePublic(
      resource,
      `${entry}: sign-in, public by nature; it answers a token only for a right email and password.`,
    );
  }

  /**
   * A public route with a path parameter right under its prefix (`POST <prefix>/{supplierId}`): a
   * `{param}` resource cannot sit beside the prefix's `{proxy+}` (API Gateway allows one variable
   * child), so it takes its place. The prefix, `{param}` (any other method) and `{param}/{proxy+}`
   * stay behind the authorizer; only the public method on `{param}` goes without, as exactly as
   * the route is written.
   */
  private addProxyRouteWithParameter(route: HttpRoute, open: PublicRoute[], authorizer: IAuthorizer): void {
    const names = new Set(open.map((o) => o.parameter));
    if (names.size > 1)
      throw new Error(
        `public routes under ${route.prefix} name different parameters: ${[...names].join(', ')}`,
      );
    const guarded: MethodOptions = {
      authorizer,
      authorizationType: authorizer.authorizationType ?? AuthorizationType.CUSTOM,
    };
    const integration = new LambdaIntegration(route.function.fn, { proxy: true });
    const prefix = this.api.root.resourceForPath(route.prefix);
    prefix.addMethod('ANY', integration, guarded);
    const parameter = prefix.addResource(`{${open[0]!.parameter}}`);
    parameter.addMethod('ANY', integration, guarded);
    for (const { method } of open) parameter.addMethod(method, integration);
    parameter.addProxy({ defaultIntegration: integration, defaultMethodOptions: guarded, anyMethod: true });
    acknowledgePublic(
      parameter,
      `${open.map((o) => o.entry).join(', ')}: called by outside systems that have no user in the directory; each request is ` +
        'authenticated by its Standard Webhooks signature (verified in the function: 401 before any change).',
    );
  }

  /** Liveness of the API itself, answered by API Gateway without invoking anything. */
  private addHealthRoute(): void {
    const health = this.api.root.resourceForPath('/api/health');
    health.addMethod(
      'GET',
      new MockIntegration({
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': '{"status":"ok"}' } },
        ],
      }),
      { methodResponses: [{ statusCode: '200' }] },
    );
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      Validations.of(health).acknowledge({
        id,
        reason: 'Public liveness probe: a constant answer from API Gateway that reveals and touches nothing.',
      });
    }
  }
}

/** A public route (lib/permissions.ts `PUBLIC_ROUTES`) and the declared prefix that serves it. */
interface PublicRoute {
  entry: string;
  method: string;
  path: string;
  route: HttpRoute;
  /** The name of its one path parameter, right under the prefix (none: a fixed path). */
  parameter?: string;
}

function parsePublicRoutes(routes: HttpRoute[]): PublicRoute[] {
  return PUBLIC_ROUTES.map((entry) => {
    const [method, path] = entry.split(' ') as [string, string];
    const route = routes.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
    if (!route) throw new Error(`public route ${entry} lies under no declared http prefix`);
    if (!path.includes('{')) return { entry, method, path, route };
    const rest = path.slice(route.prefix.length + 1);
    const parameter = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(rest)?.[1];
    if (!parameter)
      throw new Error(
        `public route ${entry}: a path parameter must be the one segment right under its prefix ${route.prefix}`,
      );
    return { entry, method, path, route, parameter };
  });
}

/** A route without the gateway's authorizer, and why that is fine. */
function acknowledgePublic(resource: IResource, reason: string): void {
  for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4'])
    Validations.of(resource).acknowledge({ id, reason });
}
