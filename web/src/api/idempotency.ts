import { useCallback, useRef } from 'react';
import { newIdempotencyKey } from './client.ts';

/**
 * One Idempotency-Key per user action. The same body again — a retry after a failure, a second
 * click before the first answer — reuses the key, so the server applies it once; a changed body
 * is a new action with a new key.
 */
export function useActionKey(): { keyFor(body: unknown): string; reset(): void } {
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const keyFor = useCallback((body: unknown) => {
    const serialized = JSON.stringify(body ?? null);
    if (attempt.current?.body !== serialized)
      attempt.current = { body: serialized, key: newIdempotencyKey() };
    return attempt.current.key;
  }, []);
  const reset = useCallback(() => {
    attempt.current = null;
  }, []);
  return { keyFor, reset };
}
