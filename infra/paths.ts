import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: declared entries (`services/stock/handlers/api.ts`) are relative to it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const fromRoot = (path: string): string => resolve(repoRoot, path);
