import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  type IAuthorizer,
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
    for (const route of props.routes) {
      this.addProxyRoute(route, route.prefix.startsWith('/api/v1/') ? authorizer : undefined);
    }
    if (authorizer) this.addPublicRoutes(props.routes);

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
   * The public routes under a guarded prefix (sign-in) get a resource of their own, without the
   * authorizer: API Gateway prefers it to the prefix's `{proxy+}`.
   */
  private addPublicRoutes(routes: HttpRoute[]): void {
    for (const entry of PUBLIC_ROUTES) {
      const [method, path] = entry.split(' ') as [string, string];
      if (path.includes('{'))
        throw new Error(`public route ${entry}: path parameters cannot bypass {proxy+}`);
      const route = routes.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
      if (!route) throw new Error(`public route ${entry} lies under no declared http prefix`);
      const resource = this.api.root.resourceForPath(path);
      resource.addMethod(method, new LambdaIntegration(route.function.fn, { proxy: true }));
      for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(resource).acknowledge({
          id,
          reason: 'Sign-in: public by nature; it answers a token only for a right email and password.',
        });
      }
    }
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
