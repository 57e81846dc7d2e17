import type { ReactNode } from 'react';
import type { PagedList as List } from '../lib/hooks.ts';
import { useToast } from './Toasts.tsx';
import { LoadError, Loading } from './ui.tsx';

/**
 * A cursor-paged list on a page: its load error (with a retry), its spinner, the items as
 * `children` shows them, and the button that loads the next page (a failure is a toast).
 */
export function PagedList<T>({
  list,
  loadingLabel,
  moreLabel,
  children,
}: {
  list: List<T>;
  loadingLabel: string;
  moreLabel: string;
  children(items: T[]): ReactNode;
}) {
  const toast = useToast();
  const { first, items, nextCursor } = list;
  return (
    <>
      {first.error && !first.data ? (
        <LoadError error={first.error} retry={() => void first.reload()} />
      ) : null}
      {first.loading && !first.data ? <Loading label={loadingLabel} /> : null}
      {first.data ? children(items) : null}
      {nextCursor ? (
        <button
          type="button"
          className="button button-secondary"
          onClick={() => void list.loadMore().catch((e) => toast.error(e))}
        >
          {moreLabel}
        </button>
      ) : null}
    </>
  );
}
