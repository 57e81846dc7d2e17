import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Provisioned } from './provision.ts';

/**
 * How the operator's CLI (`npx azura`) finds a running `npm start`: on start the runtime writes
 * `<dataDir>/runtime.json` — its endpoints, resource prefix, topic, tables and queues — and
 * removes it on a clean stop. A file left by a killed runtime is detected by the CLI when its
 * endpoints do not answer.
 */
export const RUNTIME_FILE = 'runtime.json';

export const runtimeInfoSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  url: z.string(),
  prefix: z.string(),
  region: z.string(),
  /** The standard AWS_ENDPOINT_URL_* variables the SDK reads. */
  endpoints: z.record(z.string(), z.string()),
  topicArn: z.string(),
  tables: z.array(
    z.object({
      service: z.string(),
      logicalName: z.string(),
      tableName: z.string(),
      streamArn: z.string().optional(),
      failureQueue: z.object({ name: z.string(), url: z.string(), arn: z.string() }).optional(),
    }),
  ),
  queues: z.array(
    z.object({
      service: z.string(),
      name: z.string(),
      url: z.string(),
      arn: z.string(),
      dlqUrl: z.string(),
    }),
  ),
  /** The services' SQL databases on the local Data API (absent in files from before they were added). */
  databases: z
    .array(
      z.object({
        service: z.string(),
        name: z.string(),
        database: z.string(),
        clusterArn: z.string(),
        secretArn: z.string(),
      }),
    )
    .default([]),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

export function runtimeInfoOf(input: {
  url: string;
  endpoints: Record<string, string>;
  provisioned: Provisioned;
}): RuntimeInfo {
  const { provisioned } = input;
  const endpoints = Object.fromEntries(
    Object.entries(input.endpoints).filter(([name]) => name.startsWith('AWS_ENDPOINT_URL')),
  );
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    url: input.url,
    prefix: provisioned.prefix,
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoints,
    topicArn: provisioned.topicArn,
    tables: provisioned.tables.map((t) => ({
      service: t.service,
      logicalName: t.logicalName,
      tableName: t.tableName,
      ...(t.streamArn ? { streamArn: t.streamArn } : {}),
      ...(t.failureQueue ? { failureQueue: t.failureQueue } : {}),
    })),
    queues: provisioned.queues.map((q) => ({
      service: q.service,
      name: q.name,
      url: q.url,
      arn: q.arn,
      dlqUrl: q.dlqUrl,
    })),
    databases: provisioned.databases.map((d) => ({
      service: d.service,
      name: d.name,
      database: d.database,
      clusterArn: d.clusterArn,
      secretArn: d.secretArn,
    })),
  };
}

/** Writes the file; returns the function that removes it again (if it is still ours). */
export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): () => void {
  const file = join(dataDir, RUNTIME_FILE);
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
  return () => {
    try {
      const current = JSON.parse(readFileSync(file, 'utf8')) as Partial<RuntimeInfo>;
      if (current.pid === info.pid && current.startedAt === info.startedAt) rmSync(file);
    } catch {
      // already gone, or replaced by another runtime: leave it
    }
  };
}

export function readRuntimeInfo(file: string): RuntimeInfo | undefined {
  if (!existsSync(file)) return undefined;
  return runtimeInfoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
