import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface WebStackProps extends StackProps {
  prefix: string;
  api: RestApi;
}

/**
 * The web dashboard in AWS: its built files (`web/dist`) in a private bucket behind CloudFront,
 * and `/api/*` on the same distribution forwarded to the API, so the dashboard calls its API on
 * its own origin exactly as it does locally. Publishing the files is one `aws s3 sync` plus an
 * invalidation (docs/deployment.md), so synthesis never depends on a build of the dashboard.
 */
export class WebStack extends Stack {
  readonly site: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const logs = new Bucket(this, 'Logs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the log bucket of the distribution and the site bucket; logging it into itself would loop.',
    });
    this.site = new Bucket(this, 'Site', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site/',
      // CloudFormation cannot delete a bucket with objects in it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Client-side routes (/inventory, /orders/123) get the app; files and /api/* are untouched.
    const spaRoutes = new EdgeFunction(this, 'SpaRoutes', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves index.html for the dashboard routes',
      code: FunctionCode.fromInline(
        'function handler(event) { var r = event.request; if (!r.uri.includes(".")) r.uri = "/index.html"; return r; }',
      ),
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: `${props.prefix} dashboard and API`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.site),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [{ function: spaRoutes, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new RestApiOrigin(props.api),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'Staff of an e-commerce business sign in from anywhere; no geo restriction.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'No WAF web ACL yet, as for the API stage: a per-environment decision (docs/deployment.md).',
    );
    acknowledge(
      'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate has a fixed TLS policy; a custom domain with its own ' +
        'certificate should set minimumProtocolVersion TLSv1.2_2021.',
    );

    new CfnOutput(this, 'WebUrl', {
      description: 'The dashboard (and its API under /api/)',
      value: `https://${this.distribution.distributionDomainName}`,
    });
    new CfnOutput(this, 'WebBucketName', {
      description: 'Where `aws s3 sync web/dist` publishes the built dashboard',
      value: this.site.bucketName,
    });
    new CfnOutput(this, 'WebDistributionId', {
      description: 'Invalidate it after publishing (`aws cloudfront create-invalidation --paths "/*"`)',
      value: this.distribution.distributionId,
    });
  }
}
