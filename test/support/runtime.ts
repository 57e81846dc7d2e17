import { ulid } from 'ulid';
import { inject } from 'vitest';
import type { ServiceDecl } from '../../lib/topology.ts';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../local/runtime.ts';

/**
 * The whole local runtime (provisioning, queue and stream pollers, HTTP API on a free port) on
 * the emulators shared by the test run, with a unique resource prefix. Failed messages retry at
 * once so DLQ behaviour is observable in seconds.
 */
export async function startTestRuntime(
  services?: readonly ServiceDecl[],
  options: Partial<RuntimeOptions> = {},
): Promise<Runtime> {
  return startRuntime({
    services,
    emulators: {
      dynamoEndpoint: inject('dynamoEndpoint'),
      awsEndpoint: inject('awsEndpoint'),
      secretsEndpoint: inject('secretsEndpoint'),
      sesEndpoint: inject('sesEndpoint'),
      rdsDataEndpoint: inject('rdsDataEndpoint'),
    },
    prefix: `t${ulid().slice(-8).toLowerCase()}`,
    port: 0,
    fastRetry: true,
    schedules: false,
    onError: () => undefined,
    ...options,
  });
}
