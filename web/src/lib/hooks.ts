import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../api/types.ts';

/** Live updates poll every 5 s while the tab is visible. */
export const POLL_MS = 5000;

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now (after a change). */
  reload(): Promise<void>;
  /** Replaces the data locally (optimistic updates). */
  setData(update: (current: T | undefined) => T | undefined): void;
}

/**
 * Loads `loader()` when `deps` change and, with `pollMs`, again on an interval while the page is
 * visible (paused in a hidden tab, refreshed on return). A slow answer never overwrites a newer one.
 */
export function useResource<T>(
  loader: () => Promise<T>,
  deps: DependencyList,
  options: { pollMs?: number; enabled?: boolean } = {},
): Resource<T> {
  const { pollMs, enabled = true } = options;
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(enabled);
  const generation = useRef(0);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;

  const load = useCallback(async (background: boolean) => {
    const mine = ++generation.current;
    if (!background) setLoading(true);
    try {
      const value = await loaderRef.current();
      if (mine === generation.current) {
        setDataState(value);
        setError(undefined);
      }
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (!enabled) return;
    setDataState(undefined);
    void load(false);
    return () => {
      generation.current++;
    };
  }, [enabled, load, ...deps]);

  useEffect(() => {
    if (!enabled || !pollMs) return;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) timer = setInterval(() => void load(true), pollMs);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        void load(true);
        start();
      } else stop();
    };
    if (document.visibilityState !== 'hidden') start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [enabled, pollMs, load]);

  const reload = useCallback(() => load(true), [load]);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => {
    generation.current++; // an answer in flight is older than this change
    setDataState(update);
  }, []);

  return { data, error, loading, reload, setData };
}

/** True while the media query matches (e.g. the phone layout below 700 px). */
export function useMediaQuery(query: string): boolean {
  const get = () => (typeof window.matchMedia === 'function' ? window.matchMedia(query).matches : false);
  const [matches, setMatches] = useState(get);
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const list = window.matchMedia(query);
    const onChange = () => setMatches(list.matches);
    onChange();
    list.addEventListener('change', onChange);
    window.addEventListener('resize', onChange);
    return () => {
      list.removeEventListener('change', onChange);
      window.removeEventListener('resize', onChange);
    };
  }, [query]);
  return matches;
}

export const PHONE_QUERY = '(max-width: 700px)';

/** A value that follows `value` after `ms` of quiet (search boxes). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Sets the document title for the page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Azura Inventory`;
  }, [title]);
}

/**
 * A cursor-paged list: the first page (reloaded when `filterKey` changes, polled with `pollMs`) and
 * the pages the user asked for after it. `loadMore` throws what the request threw.
 */
export interface PagedList<T> {
  first: Resource<Page<T>>;
  /** The first page's items, then those of the pages loaded after it (each once). */
  items: T[];
  nextCursor: string | null;
  loadMore(): Promise<void>;
}

export function usePagedList<T>(
  load: (cursor?: string) => Promise<Page<T>>,
  filterKey: string,
  idOf: (item: T) => string,
  options: { pollMs?: number } = {},
): PagedList<T> {
  const first = useResource(() => load(), [filterKey], options);
  const [more, setMore] = useState<{ key: string; items: T[]; cursor: string | null }>({
    key: filterKey,
    items: [],
    cursor: null,
  });
  const extra = more.key === filterKey ? more : { key: filterKey, items: [], cursor: null };
  const nextCursor = extra.items.length ? extra.cursor : (first.data?.nextCursor ?? null);
  const seen = new Set((first.data?.items ?? []).map(idOf));
  const items = [...(first.data?.items ?? []), ...extra.items.filter((item) => !seen.has(idOf(item)))];
  const loadMore = async () => {
    if (!nextCursor) return;
    const page = await load(nextCursor);
    setMore({ key: filterKey, items: [...extra.items, ...page.items], cursor: page.nextCursor ?? null });
  };
  return { first, items, nextCursor, loadMore };
}
