import type { ScheduledEvent } from 'aws-lambda';
import { observability } from '../../../lib/observability.ts';
import { CognitoUserDirectory } from '../cognito.ts';
import { type SyncResult, syncUsers } from '../domain/users.ts';
import { DynamoUserMirror } from '../store.ts';

/**
 * Scheduled: brings the user mirror up to the Cognito pool, so users added, changed or deleted in
 * the console reach other services as UserChanged. In local mode (no user pool) there is nothing
 * to do: local user items publish their own.
 */
export const handler = async (
  event?: ScheduledEvent,
): Promise<({ mode: 'cognito' } & SyncResult) | { mode: 'local' }> => {
  if (!process.env.USER_POOL_ID) return { mode: 'local' };
  const at = event?.time ? new Date(event.time).toISOString() : new Date().toISOString();
  const mirror = new DynamoUserMirror();
  const result = {
    mode: 'cognito' as const,
    ...(await syncUsers(new CognitoUserDirectory(mirror), mirror, at)),
  };
  observability('identity').logger.info('users synced to the mirror', result);
  return result;
};
