import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the local stand-ins for AWS JSON APIs (local/secretsmanager.ts, local/rds-data.ts) share:
 * reading a request body with a size limit, and answering JSON the way AWS does (a request id,
 * and the error's type in `x-amzn-errortype`, which the SDK maps to its exception classes).
 */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function replyJson(
  response: ServerResponse,
  contentType: string,
  status: number,
  body: unknown,
  errorType?: string,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}
