import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { run } from '../../cli/main.ts';
import { ROOT } from '../../local/runtime.ts';
import { RUNTIME_FILE } from '../../local/runtime-info.ts';

/** A data directory of its own for a test runtime, so it writes the runtime.json the CLI reads. */
export const tempDataDir = (): string => mkdtempSync(join(tmpdir(), 'azura-cli-'));
export const runtimeFileIn = (dataDir: string): string => join(dataDir, RUNTIME_FILE);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed (for --json runs). */
  json: () => unknown;
}

/** The CLI in this process (`cli/main.ts`'s run), with `stdin` as the answer to any prompt. */
export async function azura(argv: string[], stdin = ''): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    stdin: Readable.from([stdin]),
  });
  const stdout = out.join('\n');
  return { code, stdout, stderr: err.join('\n'), json: () => JSON.parse(stdout) };
}

/** The CLI as an operator runs it: `npx azura …` (the package's bin), in a child process. */
export function azuraProcess(argv: string[], env: Record<string, string> = {}): CliRun {
  const result = spawnSync('npx', ['--no-install', 'azura', ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json: () => JSON.parse(result.stdout),
  };
}
