import { Link } from 'react-router';
import type { Product, User } from '../api/types.ts';
import { can } from '../auth/permissions.ts';
import { formatMoney, formatNumber, stockStatus } from '../lib/format.ts';
import { PHONE_QUERY, useMediaQuery } from '../lib/hooks.ts';
import { Icon } from './Icon.tsx';
import { IconButton, ShortfallBadge, StockBadge } from './ui.tsx';

export type SortKey = 'sku' | 'name' | 'category' | 'onHand' | 'reserved' | 'available' | 'price' | 'status';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'sku', label: 'SKU' },
  { key: 'name', label: 'Name' },
  { key: 'category', label: 'Category' },
  { key: 'onHand', label: 'On hand', numeric: true },
  { key: 'reserved', label: 'Reserved', numeric: true },
  { key: 'available', label: 'Available', numeric: true },
  { key: 'price', label: 'Price', numeric: true },
  { key: 'status', label: 'Status' },
];

const STATUS_ORDER = { out: 0, low: 1, in: 2, unknown: 3 };

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sortValue(product: Product, key: SortKey): string | number {
  switch (key) {
    case 'onHand':
    case 'reserved':
    case 'available':
      return product.stock?.[key] ?? Number.NEGATIVE_INFINITY;
    case 'price':
      return product.price.amount;
    case 'status':
      return STATUS_ORDER[stockStatus(product)];
    default:
      return product[key];
  }
}

/**
 * The shortfall the list can tell from the catalog's stock totals: units reserved beyond what is
 * on hand, for a product that does not allow backorders. A shortfall at one location hidden by
 * surplus at another shows on the product's page, which reads each level.
 */
export function listShortfall(product: Pick<Product, 'stock' | 'allowBackorder'>): number {
  const stock = product.stock;
  if (!stock || product.allowBackorder) return 0;
  return Math.max(0, stock.reserved - stock.onHand);
}

function Shortfall({ product }: { product: Product }) {
  const units = listShortfall(product);
  return units > 0 ? <ShortfallBadge units={units} /> : null;
}

export function sortProducts(items: Product[], sort: Sort): Product[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    const order =
      typeof x === 'string' && typeof y === 'string' ? collator.compare(x, y) : x < y ? -1 : x > y ? 1 : 0;
    return order * sign || collator.compare(a.sku, b.sku);
  });
}

interface Props {
  products: Product[];
  user: User;
  sort: Sort;
  onSort(sort: Sort): void;
  onAdjust(product: Product): void;
  onDelete(product: Product): void;
  /** Forced layout; by default cards below 700 px, a table above. */
  layout?: 'table' | 'cards';
}

/** The products with their stock: a sortable table on desktop, cards on a phone. */
export function InventoryTable({ products, user, sort, onSort, onAdjust, onDelete, layout }: Props) {
  const phone = useMediaQuery(PHONE_QUERY);
  const cards = (layout ?? (phone ? 'cards' : 'table')) === 'cards';
  const actions = (product: Product) => (
    <RowActions product={product} user={user} onAdjust={onAdjust} onDelete={onDelete} />
  );

  if (products.length === 0) return <p className="empty">No products match.</p>;

  if (cards) {
    return (
      <ul className="product-cards" aria-label="Products">
        {products.map((p) => (
          <li key={p.sku} className="product-card">
            <div className="product-card-head">
              <Link to={`/products/${encodeURIComponent(p.sku)}`} className="product-card-name">
                {p.name}
              </Link>
              <StockBadge status={stockStatus(p)} />
              <Shortfall product={p} />
            </div>
            <p className="muted product-card-sub">
              <span className="mono">{p.sku}</span> · {p.category}
            </p>
            <dl className="product-card-figures">
              <div>
                <dt>On hand</dt>
                <dd>{formatNumber(p.stock?.onHand)}</dd>
              </div>
              <div>
                <dt>Reserved</dt>
                <dd>{formatNumber(p.stock?.reserved)}</dd>
              </div>
              <div>
                <dt>Available</dt>
                <dd>{formatNumber(p.stock?.available)}</dd>
              </div>
              <div>
                <dt>Price</dt>
                <dd>{formatMoney(p.price)}</dd>
              </div>
            </dl>
            {actions(p)}
          </li>
        ))}
      </ul>
    );
  }

  const showActions = can(user, 'products:edit') || can(user, 'stock:move');
  return (
    <div className="table-wrap">
      <table className="table inventory-table">
        <caption className="sr-only">
          Products and their stock, sorted by {sort.key} {sort.dir === 'asc' ? 'ascending' : 'descending'}
        </caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => {
              const active = sort.key === c.key;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={c.numeric ? 'numeric' : undefined}
                  aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                >
                  <button
                    type="button"
                    className="sort-button"
                    onClick={() => onSort({ key: c.key, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' })}
                    title={`Sort by ${c.label}`}
                  >
                    {c.label}
                    <Icon name={active ? (sort.dir === 'asc' ? 'sortAsc' : 'sortDesc') : 'sort'} size={14} />
                  </button>
                </th>
              );
            })}
            {showActions ? (
              <th scope="col" className="actions-col">
                Actions
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <tr key={p.sku}>
              <td className="mono">{p.sku}</td>
              <td>
                <Link to={`/products/${encodeURIComponent(p.sku)}`}>{p.name}</Link>
                {p.status === 'archived' ? (
                  <span className="badge badge-muted badge-gap">Archived</span>
                ) : null}
              </td>
              <td>{p.category}</td>
              <td className="numeric">{formatNumber(p.stock?.onHand)}</td>
              <td className="numeric">{formatNumber(p.stock?.reserved)}</td>
              <td className="numeric">{formatNumber(p.stock?.available)}</td>
              <td className="numeric">{formatMoney(p.price)}</td>
              <td>
                <StockBadge status={stockStatus(p)} />
                <Shortfall product={p} />
              </td>
              {showActions ? <td className="actions-col">{actions(p)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RowActions({
  product,
  user,
  onAdjust,
  onDelete,
}: {
  product: Product;
  user: User;
  onAdjust(p: Product): void;
  onDelete(p: Product): void;
}) {
  const edit = can(user, 'products:edit');
  const move = can(user, 'stock:move');
  if (!edit && !move) return null;
  const archived = product.status === 'archived';
  return (
    <div className="row-actions">
      {edit ? (
        <Link
          to={`/products/${encodeURIComponent(product.sku)}/edit`}
          className="icon-button"
          aria-label={`Edit ${product.sku}`}
          title={`Edit ${product.sku}`}
        >
          <Icon name="edit" />
        </Link>
      ) : null}
      {move && !archived ? (
        <IconButton
          icon="adjust"
          label={`Adjust stock of ${product.sku}`}
          onClick={() => onAdjust(product)}
        />
      ) : null}
      {edit && !archived ? (
        <IconButton icon="trash" label={`Delete ${product.sku}`} onClick={() => onDelete(product)} danger />
      ) : null}
    </div>
  );
}
