import type { z } from 'zod';

/** One wrong field in a request: a JSON pointer-ish dotted path and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Base class of every error our domain throws on purpose. Mapped to HTTP by `lib/http.ts`. */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra members for the problem+json body. */
  readonly extensions: Record<string, unknown>;
  constructor(message: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.extensions = extensions;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly title = 'Invalid request';
  readonly errors: FieldError[];
  constructor(errors: FieldError[], message?: string) {
    super(message ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    this.errors = errors;
  }

  static fromZod(error: z.ZodError, prefix?: string): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({
        field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
        message: issue.message,
      })),
    );
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly title = 'Conflict';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

/** A business rule refused the operation (e.g. not enough stock). */
export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly title = 'Unprocessable';
}

/** A dependency failed in a way worth retrying (throttling, transaction conflict). */
export class TransientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * Runs a Step Functions task's work so that its errors are named for the state machine's Retry:
 * our own errors keep their class (caught by name), and anything else — an SDK error that outlived
 * the SDK's own retries, a network failure — becomes a TransientError, worth retrying.
 */
export async function asWorkflowTask<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AppError || error instanceof TransientError) throw error;
    throw new TransientError(`dependency unavailable: ${(error as Error).message}`, { cause: error });
  }
}
