import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalStepFunctions } from './engine.ts';
import { SfnApiError } from './errors.ts';

/**
 * The Step Functions API over HTTP, as the AWS SDK speaks it (AWS JSON 1.0): `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Action>` and a JSON body; timestamps as epoch seconds; errors
 * as HTTP 400 `{ "__type", "message" }`. Requests are not authenticated.
 */

// biome-ignore lint/suspicious/noExplicitAny: each action takes its own request shape
type Action = (engine: LocalStepFunctions, body: any) => unknown;

const actions: Record<string, Action> = {
  StartExecution: (e, b) => e.startExecution(b),
  DescribeExecution: (e, b) => e.describeExecution(b),
  ListExecutions: (e, b) => e.listExecutions(b),
  GetExecutionHistory: (e, b) => e.getExecutionHistory(b),
  StopExecution: (e, b) => e.stopExecution(b),
  SendTaskSuccess: (e, b) => e.sendTaskSuccess(b),
  SendTaskFailure: (e, b) => e.sendTaskFailure(b),
  SendTaskHeartbeat: (e, b) => e.sendTaskHeartbeat(b),
  DescribeStateMachine: (e, b) => e.describeStateMachine(b),
  ListStateMachines: (e, b) => e.listStateMachines(b),
};

/** Dates become epoch seconds (the JSON protocol's timestamp format); undefined members vanish. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  }
  return value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

export interface StepFunctionsServer {
  endpoint: string;
  close(): Promise<void>;
}

export async function serveStepFunctions(
  engine: LocalStepFunctions,
  options: { port?: number; onError?: (error: unknown, where: string) => void } = {},
): Promise<StepFunctionsServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = actions[target.replace(/^AWSStepFunctions\./, '')];
      try {
        const text = await readBody(req);
        if (req.method !== 'POST' || !action) {
          throw new SfnApiError('UnknownOperationException', `Unknown operation ${target || req.method}`);
        }
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          throw new SfnApiError('ValidationException', 'The request body is not valid JSON');
        }
        send(res, 200, toWire(await action(engine, body)));
      } catch (error) {
        if (error instanceof SfnApiError) {
          send(res, 400, { __type: `com.amazonaws.sfn#${error.code}`, message: error.message });
        } else {
          options.onError?.(error, `stepfunctions ${target}`);
          send(res, 500, { __type: 'InternalFailure', message: (error as Error).message });
        }
      }
    })();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      await closed;
    },
  };
}
