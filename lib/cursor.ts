import { ValidationError } from './errors.ts';

/**
 * Opaque pagination cursors: what a listing needs to continue (a DynamoDB key, plus the filter it
 * belongs to) as base64url JSON. A cursor that does not decode, or that `accept` refuses as not
 * belonging to this listing, is a 400 naming the `cursor` field.
 */
export const encodeCursor = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodeCursor<T>(cursor: string, accept: (value: unknown) => T | undefined): T {
  let accepted: T | undefined;
  try {
    accepted = accept(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    accepted = undefined;
  }
  if (accepted === undefined) {
    throw new ValidationError([{ field: 'cursor', message: 'not a cursor of this listing' }]);
  }
  return accepted;
}
