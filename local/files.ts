import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file of the local runtime's state (`.data/`) so that a crash cannot leave it half
 * written: the data goes to a temporary file beside it, which is then renamed over it (atomic on
 * one file system), so a kill -9 mid-write leaves the previous version whole.
 */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data, options);
  renameSync(temporary, file);
}
