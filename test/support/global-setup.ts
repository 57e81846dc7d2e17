import type { TestProject } from 'vitest/node';
import { startEmulators } from '../../local/emulators.ts';

/** One DynamoDB Local JVM and one fauxqs for the whole test run; each test file provisions its own resources. */
export default async function setup(project: TestProject) {
  const emulators = await startEmulators();
  project.provide('dynamoEndpoint', emulators.dynamoEndpoint);
  project.provide('awsEndpoint', emulators.awsEndpoint);
  project.provide('secretsEndpoint', emulators.secretsEndpoint);
  project.provide('sesEndpoint', emulators.sesEndpoint);
  project.provide('rdsDataEndpoint', emulators.rdsDataEndpoint);
  return async () => {
    await emulators.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    awsEndpoint: string;
    secretsEndpoint: string;
    sesEndpoint: string;
    rdsDataEndpoint: string;
  }
}
