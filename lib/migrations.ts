import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from './sql.ts';

/**
 * Versioned SQL migrations: files `NNN_what.sql` applied in order, each once, recorded in
 * `schema_migrations`. The same code runs on local provisioning (through the local Data API) and on
 * deploy (the migration custom resource, infra/), so both worlds get the same schema.
 *
 * - Each pending file runs in its own transaction together with its row in `schema_migrations`: a
 *   file that fails leaves nothing behind (PostgreSQL's DDL is transactional) and the error names it.
 *   So a migration must not hold statements PostgreSQL refuses inside a transaction (e.g. `CREATE
 *   INDEX CONCURRENTLY`, `VACUUM`).
 * - Two runners at once (two deploys, a deploy and a provisioning…) apply each file once: every
 *   transaction first takes one advisory transaction lock, then re-checks whether its file is applied.
 * - A file is split into its statements (the Data API of Aurora Serverless v2 runs one statement per
 *   call), at `;` outside literals, quoted identifiers, dollar-quoted bodies and comments.
 */
export interface MigrationFile {
  /** The file name, e.g. `001_star_schema.sql`; its version is the leading number (`001`). */
  name: string;
  sql: string;
}

/** Thrown when a migration fails: names the file; `cause` is the SQL error. */
export class MigrationError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const FILE = /^(\d+)_[A-Za-z0-9_.-]+\.sql$/;
/** The advisory lock every migration transaction takes (any constant both runners agree on). */
const MIGRATION_LOCK = 726_172_001;

/** The version of a migration file: its leading number, as written (`001`). */
export function migrationVersion(name: string): string {
  const match = FILE.exec(name);
  if (!match) throw new Error(`Migration file ${name} is not named NNN_description.sql`);
  return match[1]!;
}

/** The migration files of a folder (`NNN_*.sql`), in version order. Other `.sql` names are refused. */
export function migrationFiles(dir: string): MigrationFile[] {
  const names = readdirSync(dir).filter((name) => name.endsWith('.sql'));
  const files = names
    .map((name) => ({ name, version: migrationVersion(name) }))
    .sort((a, b) => Number(a.version) - Number(b.version) || a.name.localeCompare(b.name));
  return files.map(({ name }) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * The statements of a SQL script, split at top-level `;` (not inside '…' / E'…' literals, "…"
 * identifiers, $tag$…$tag$ bodies, -- and nested /* *\/ comments). Comment-only pieces are dropped.
 */
export function splitStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false;
  let i = 0;
  const isIdent = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c);
  const push = (end: number) => {
    const text = script.slice(start, end).trim();
    if (meaningful && text) statements.push(text);
    start = end + 1;
    meaningful = false;
  };
  while (i < script.length) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === "'") {
      const escapes = (script[i - 1] === 'e' || script[i - 1] === 'E') && !isIdent(script[i - 2]);
      let j = i + 1;
      while (j < script.length) {
        if (escapes && script[j] === '\\') j += 2;
        else if (script[j] === "'" && script[j + 1] === "'") j += 2;
        else if (script[j] === "'") break;
        else j++;
      }
      meaningful = true;
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < script.length) {
        if (script[j] === '"' && script[j + 1] === '"') j += 2;
        else if (script[j] === '"') break;
        else j++;
      }
      meaningful = true;
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
    } else if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      while (j < script.length) {
        if (script[j] === '/' && script[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (script[j] === '*' && script[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      i = j;
    } else if (c === '$' && !isIdent(script[i - 1])) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i))?.[0];
      meaningful = true;
      if (tag) {
        const end = script.indexOf(tag, i + tag.length);
        i = end === -1 ? script.length : end + tag.length;
      } else i++;
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      if (!/\s/.test(c)) meaningful = true;
      i++;
    }
  }
  push(script.length);
  return statements;
}

const lock = (tx: Sql) => tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}) AS locked`);

/**
 * Applies the files not yet recorded in `schema_migrations`, in order, each in its own transaction.
 * Idempotent; safe to run concurrently. Returns the names of the files it applied.
 */
export async function applyMigrations(
  sql: Sql,
  files: readonly MigrationFile[],
): Promise<{ applied: string[] }> {
  const ordered = files
    .map((file) => ({ ...file, version: migrationVersion(file.name) }))
    .sort((a, b) => Number(a.version) - Number(b.version));
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.version === ordered[i - 1]!.version) {
      throw new Error(
        `Migrations ${ordered[i - 1]!.name} and ${ordered[i]!.name} have the same version ${ordered[i]!.version}`,
      );
    }
  }

  await sql.transaction(async (tx) => {
    await lock(tx);
    await tx.execute(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const done = new Set(
    (await sql.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );

  const applied: string[] = [];
  for (const file of ordered) {
    if (done.has(file.version)) continue;
    const statements = splitStatements(file.sql);
    try {
      const ran = await sql.transaction(async (tx) => {
        await lock(tx);
        // Another runner may have applied it while this one waited for the lock.
        const already = await tx.query(
          'SELECT 1 AS applied FROM schema_migrations WHERE version = :version',
          {
            version: file.version,
          },
        );
        if (already.length) return false;
        for (const statement of statements) await tx.execute(statement);
        await tx.execute('INSERT INTO schema_migrations (version, name) VALUES (:version, :name)', {
          version: file.version,
          name: file.name,
        });
        return true;
      });
      if (ran) applied.push(file.name);
    } catch (error) {
      throw new MigrationError(
        file.name,
        `Migration ${file.name} failed and was rolled back: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { applied };
}
