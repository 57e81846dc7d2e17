import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
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
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { HttpRoute } from '../constructs/service.ts';

export interface ApiStackProps extends StackProps {
  prefix: string;
  routes: HttpRoute[];
  /**
   * Optionally also guards every service route at the gateway (not `/api/health`). Without it,
   * each function verifies the caller's Cognito ID token itself (lib/auth.ts), which also lets
   * the sign-in route stay public.
   */
  authorizer?: IAuthorizer;
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
    for (const route of props.routes) this.addProxyRoute(route, props.authorizer);

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
          reason:
            'Each function verifies the Cognito ID token itself (lib/auth.ts, aws-jwt-verify) and checks ' +
            'the route against the role table; a gateway authorizer would also block the public sign-in.',
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
