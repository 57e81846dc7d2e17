import { AppError, ConflictError } from '../../../lib/errors.ts';

/** The client's `If-Match` version is not the product's current version (RFC 9110 412). */
export class PreconditionFailedError extends AppError {
  readonly status = 412;
  readonly title = 'Precondition failed';
}

/** Someone else changed the item between our read and our conditional write. */
export class VersionConflictError extends ConflictError {}
