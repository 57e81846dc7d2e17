import type { Problem } from './types.ts';

/**
 * The one door to the API: adds the bearer token, sends an Idempotency-Key with every POST
 * (reused when the same action is retried), and turns problem+json errors into ApiError.
 * A 401 anywhere signs the user out (listeners of `unauthorized`); a 403 announces `forbidden`.
 */

const TOKEN_KEY = 'azura.token';

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  /** Field errors by field path (`price.amount`), first message per field. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) out[e.field] ??= e.message;
    return out;
  }

  /** One sentence for a toast. */
  get userMessage(): string {
    if (this.status === 403) return "You don't have permission";
    if (this.status === 0) return 'Cannot reach the server. Check your connection and try again.';
    return this.problem.detail ? `${this.problem.title}: ${this.problem.detail}` : this.problem.title;
  }
}

/** Where the API announces sign-outs (401) and refusals (403) to the app. */
export const apiEvents = new EventTarget();

/** A fresh idempotency key; works outside secure contexts too (a phone on the warehouse LAN). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext !== false)
    return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** For POST: the key of this user action. A new one is made when absent. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Skip the sign-out on 401 (the sign-in call itself). */
  anonymous?: boolean;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

const NETWORK_RETRIES = 2;

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A file the API answers (a CSV export): its bytes, type and the name the server suggests. */
export interface ApiFile {
  blob: Blob;
  /** From Content-Disposition's filename, when the server sent one. */
  fileName: string | undefined;
}

/** GET a file with the bearer token (a plain link cannot send the Authorization header). */
export async function requestFile(path: string, options: RequestOptions = {}): Promise<ApiFile> {
  const response = await send('GET', path, {
    ...options,
    headers: { accept: 'text/csv, application/problem+json', ...options.headers },
  });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  return { blob: await response.blob(), fileName: name ? decodeURIComponent(name) : undefined };
}

/** Saves a blob as a download: an object URL on a temporary link, revoked after the click. */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Sends the request (retrying network failures where safe); a non-2xx answer throws ApiError. */
async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = getToken();
  if (token && !options.anonymous) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = options.idempotencyKey ?? newIdempotencyKey();

  const init: RequestInit = {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const url = withQuery(path, options.query);

  let response: Response | undefined;
  // Only requests that are safe to repeat are retried on a network failure: reads, and POSTs
  // (they carry the same Idempotency-Key, so the server applies them once).
  const retries = method === 'GET' || method === 'POST' ? NETWORK_RETRIES : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await fetch(url, init);
      break;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (attempt >= retries) {
        throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: String(error) });
      }
      await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
    }
  }

  if (response.ok) return response;

  const error = new ApiError(await readProblem(response));
  if (error.status === 401 && !options.anonymous) apiEvents.dispatchEvent(new Event('unauthorized'));
  if (error.status === 403) apiEvents.dispatchEvent(new Event('forbidden'));
  throw error;
}

async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: response.statusText || `Request failed (${response.status})`,
    status: response.status,
  };
  try {
    const body = (await response.json()) as Partial<Problem>;
    if (body && typeof body === 'object' && typeof body.title === 'string') {
      return { ...fallback, ...body, status: response.status };
    }
  } catch {
    // Not JSON (a proxy's HTML page): keep the status line.
  }
  return fallback;
}
