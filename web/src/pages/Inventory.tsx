import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { products as productsApi } from '../api/endpoints.ts';
import type { Product } from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import { Icon } from '../components/Icon.tsx';
import { InventoryTable, type Sort, type SortKey, sortProducts } from '../components/InventoryTable.tsx';
import { type OptimisticChange, StockActionDialog } from '../components/StockActionDialog.tsx';
import { useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, Modal, PageHeader } from '../components/ui.tsx';
import { STOCK_STATUS_LABEL, type StockStatus, stockStatus } from '../lib/format.ts';
import { POLL_MS, useDebounced, useResource, useTitle } from '../lib/hooks.ts';

const PAGE_SIZE = 20;
const SORT_KEYS: SortKey[] = [
  'sku',
  'name',
  'category',
  'onHand',
  'reserved',
  'available',
  'price',
  'status',
];

export default function Inventory() {
  useTitle('Inventory');
  const user = useUser();
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const [searchText, setSearchText] = useState(params.get('q') ?? '');
  const search = useDebounced(searchText.trim(), 300);
  const category = params.get('category') ?? '';
  const stockFilter = (params.get('stock') ?? '') as StockStatus | '';
  const archived = params.get('archived') === '1';
  const sortKey = SORT_KEYS.includes(params.get('sort') as SortKey)
    ? (params.get('sort') as SortKey)
    : 'name';
  const sort: Sort = { key: sortKey, dir: params.get('dir') === 'desc' ? 'desc' : 'asc' };
  const page = Math.max(1, Number(params.get('page')) || 1);

  const update = (changes: Record<string, string | null>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepPage) next.delete('page');
    setParams(next, { replace: true });
  };

  // The search box writes to the URL once typing pauses.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the settled text changes
  useEffect(() => {
    if ((params.get('q') ?? '') !== search) update({ q: search || null });
  }, [search]);

  const list = useResource(
    () =>
      productsApi.listAll({
        ...(search ? { search } : {}),
        ...(category ? { category } : {}),
        status: archived ? 'all' : 'active',
      }),
    [search, category, archived],
    { pollMs: POLL_MS },
  );

  // Categories seen so far stay in the filter, even while one is selected.
  const seenCategories = useRef(new Set<string>());
  const categories = useMemo(() => {
    for (const p of list.data?.items ?? []) seenCategories.current.add(p.category);
    if (category) seenCategories.current.add(category);
    return [...seenCategories.current].sort((a, b) => a.localeCompare(b));
  }, [list.data, category]);

  const filtered = useMemo(() => {
    const items = list.data?.items ?? [];
    const byStatus = stockFilter ? items.filter((p) => stockStatus(p) === stockFilter) : items;
    return sortProducts(byStatus, { key: sortKey, dir: sort.dir });
  }, [list.data, stockFilter, sortKey, sort.dir]);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE_SIZE));
  const current = Math.min(page, pages);
  const visible = filtered.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);

  const [adjusting, setAdjusting] = useState<Product | null>(null);
  const [deleting, setDeleting] = useState<Product | null>(null);

  const applyOptimistic = (sku: string) => (change: OptimisticChange) => {
    const shift = (delta: number) =>
      list.setData(
        (data) =>
          data && {
            ...data,
            items: data.items.map((p) =>
              p.sku === sku && p.stock
                ? {
                    ...p,
                    stock: {
                      ...p.stock,
                      onHand: p.stock.onHand + delta,
                      available: p.stock.available + delta,
                    },
                  }
                : p,
            ),
          },
      );
    // A transfer moves stock between locations: the totals stay the same.
    const delta = change.toLocationId ? 0 : change.onHandDelta;
    shift(delta);
    return () => shift(-delta);
  };

  const confirmDelete = async (product: Product) => {
    setDeleting(null);
    const before = list.data;
    list.setData((data) => data && { ...data, items: data.items.filter((p) => p.sku !== product.sku) });
    try {
      await productsApi.remove(product.sku);
      toast.success(`${product.sku} deleted (archived)`);
      void list.reload();
    } catch (e) {
      list.setData(() => before);
      toast.error(e);
    }
  };

  return (
    <>
      <PageHeader title="Inventory">
        {can(user, 'products:edit') ? (
          <Link to="/products/new" className="button button-primary">
            <Icon name="plus" /> Add product
          </Link>
        ) : null}
      </PageHeader>

      <form className="filters" aria-label="Filter products" onSubmit={(e) => e.preventDefault()}>
        <div className="field field-search">
          <label htmlFor="inventory-search">Search</label>
          <div className="input-icon">
            <Icon name="search" size={16} />
            <input
              id="inventory-search"
              type="search"
              placeholder="Name or SKU"
              value={searchText}
              onChange={(e) => setSearchText(e.target.value)}
            />
          </div>
        </div>
        <div className="field">
          <label htmlFor="inventory-category">Category</label>
          <select
            id="inventory-category"
            value={category}
            onChange={(e) => update({ category: e.target.value || null })}
          >
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="inventory-stock">Stock status</label>
          <select
            id="inventory-stock"
            value={stockFilter}
            onChange={(e) => update({ stock: e.target.value || null })}
          >
            <option value="">Any</option>
            {(['in', 'low', 'out'] as const).map((s) => (
              <option key={s} value={s}>
                {STOCK_STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={archived}
            onChange={(e) => update({ archived: e.target.checked ? '1' : null })}
          />
          Include archived
        </label>
      </form>

      {list.error && !list.data ? <LoadError error={list.error} retry={() => void list.reload()} /> : null}
      {list.loading && !list.data ? <Loading label="Loading products…" /> : null}
      {list.data ? (
        <>
          <p className="muted result-count" aria-live="polite">
            {filtered.length} product{filtered.length === 1 ? '' : 's'}
            {list.data.truncated ? ' (the first 1,000: refine the search to see others)' : ''}
          </p>
          <InventoryTable
            products={visible}
            user={user}
            sort={sort}
            onSort={(s) => update({ sort: s.key, dir: s.dir })}
            onAdjust={setAdjusting}
            onDelete={setDeleting}
          />
          <Pagination
            page={current}
            pages={pages}
            onPage={(p) => update({ page: p > 1 ? String(p) : null }, true)}
          />
        </>
      ) : null}

      {adjusting ? (
        <StockActionDialog
          sku={adjusting.sku}
          name={adjusting.name}
          onOptimistic={applyOptimistic(adjusting.sku)}
          onDone={() => void list.reload()}
          onClose={() => setAdjusting(null)}
        />
      ) : null}
      {deleting ? (
        <Modal
          title={`Delete ${deleting.sku}?`}
          onClose={() => setDeleting(null)}
          footer={
            <>
              <button type="button" className="button button-secondary" onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => void confirmDelete(deleting)}
              >
                Delete
              </button>
            </>
          }
        >
          <p>
            <strong>{deleting.name}</strong> will be archived: it leaves the inventory list but its history
            stays. A product with stock on hand or reserved cannot be deleted.
          </p>
        </Modal>
      ) : null}
    </>
  );
}

export function Pagination({
  page,
  pages,
  onPage,
}: {
  page: number;
  pages: number;
  onPage(page: number): void;
}) {
  if (pages <= 1) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      <button
        type="button"
        className="button button-secondary"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
        aria-label="Previous page"
        title="Previous page"
      >
        <Icon name="chevronLeft" />
      </button>
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      <button
        type="button"
        className="button button-secondary"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
        aria-label="Next page"
        title="Next page"
      >
        <Icon name="chevronRight" />
      </button>
    </nav>
  );
}
