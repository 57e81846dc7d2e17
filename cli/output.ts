import type { Readable } from 'node:stream';

/** Exit codes: 0 ok, 1 drift or failure found, 2 usage error. */
export const EXIT = { ok: 0, found: 1, usage: 2 } as const;

/** An error the CLI reports as one line on stderr, with its exit code (1 unless a usage error). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.found,
  ) {
    super(message);
  }
}

/** Where a command writes and reads: the process's streams, or a test's. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: Readable;
}

export const processIo = (): Io => ({
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
});

/** A plain text table: a header row, then one row per item, columns padded. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Reads one line from `stdin` (the answer to a prompt); end of input answers ''. */
export function readLine(stdin: Readable): Promise<string> {
  return new Promise((resolve) => {
    let buffer = '';
    const done = (answer: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(answer.trim());
    };
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline !== -1) done(buffer.slice(0, newline));
    };
    const onEnd = () => done(buffer);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}
