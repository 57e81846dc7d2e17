import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withDynamoFaults } from './faults.ts';

/**
 * AWS SDK v3 clients, created once per process. In AWS they use the Lambda's role and region.
 * Locally the runtime sets the standard `AWS_ENDPOINT_URL_<SERVICE>` variables, which the SDK
 * honours itself, so this code has no "local" branch (S3 additionally needs path-style URLs).
 */
const memo = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

// withDynamoFaults: the chaos bench's injected faults (AZURA_FAULTS, test/bench only); a no-op when unset.
export const dynamo = memo(() => withDynamoFaults(new DynamoDBClient({})));
export const documentClient = memo(() =>
  DynamoDBDocumentClient.from(dynamo(), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  }),
);
export const dynamoStreams = memo(() => new DynamoDBStreamsClient({}));
// useQueueUrlAsEndpoint=false: locally the queue URL's host (sqs.<region>.localhost) is not resolvable;
// in AWS the regional endpoint and the queue URL agree, so this changes nothing there.
export const sqs = memo(() => new SQSClient({ useQueueUrlAsEndpoint: false }));
export const sns = memo(() => new SNSClient({}));
export const sfn = memo(() => new SFNClient({}));
export const secretsManager = memo(() => new SecretsManagerClient({}));
export const sesv2 = memo(() => new SESv2Client({}));
// The RDS Data API (Aurora PostgreSQL); locally AWS_ENDPOINT_URL_RDS_DATA points it at local/rds-data.ts.
export const rdsData = memo(() => new RDSDataClient({}));
// Checksums only when an operation requires one: otherwise a presigned PUT URL carries the
// checksum of an empty body and the browser's upload of the real file is refused.
export const s3 = memo(
  () =>
    new S3Client({
      forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL),
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
);

/** Reads a required environment variable, failing loudly at cold start when it is missing. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}
