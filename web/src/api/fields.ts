import { ApiError } from './client.ts';

/**
 * A problem's field errors keyed the way the dashboard's forms name their inputs:
 * `body.lines[0].sku` and `lines.0.sku` both become `lines.0.sku`. First message per field.
 */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(error.fieldErrors())) {
    const key = field.replace(/^(body|json)\./, '').replace(/\[(\d+)\]/g, '.$1');
    out[key] ??= message;
  }
  return out;
}
