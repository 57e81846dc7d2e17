import { type ChangeEvent, type FormEvent, lazy, Suspense, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { newIdempotencyKey } from '../api/client.ts';
import { products, purchaseOrders, reorderRules, stock } from '../api/endpoints.ts';
import { fieldErrorsOf } from '../api/fields.ts';
import {
  FINAL_PO_STATUSES,
  type Movement,
  type Product,
  type StockLevel,
  type StockView,
} from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import { LineChart } from '../components/Charts.tsx';
import { FormFailure, WholeNumberField } from '../components/forms.tsx';
import { Icon } from '../components/Icon.tsx';
import { PagedList } from '../components/PagedList.tsx';
import { ProductImage } from '../components/ProductImage.tsx';
import { SuggestionCard } from '../components/ReorderSuggestion.tsx';
import {
  type OptimisticChange,
  STOCK_ACTIONS,
  type StockAction,
  StockActionDialog,
} from '../components/StockActionDialog.tsx';
import { messageOf, useToast } from '../components/Toasts.tsx';
import {
  LoadError,
  Loading,
  Modal,
  PageHeader,
  ShortfallBadge,
  Stat,
  StockBadge,
} from '../components/ui.tsx';
import { formatDateTime, formatMoney, formatNumber, humanize, stockStatus } from '../lib/format.ts';
import { stockHistory } from '../lib/history.ts';
import { POLL_MS, usePagedList, useResource, useTitle } from '../lib/hooks.ts';
import { PurchaseOrdersTable } from './PurchaseOrders.tsx';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

// The forecast's chart library loads after the page itself.
const ForecastCard = lazy(() =>
  import('../components/ForecastCard.tsx').then((m) => ({ default: m.ForecastCard })),
);

export default function ProductDetail() {
  const sku = useParams().sku ?? '';
  useTitle(sku);
  const user = useUser();
  const toast = useToast();
  const navigate = useNavigate();
  const product = useResource(() => products.get(sku), [sku], { pollMs: POLL_MS });
  const levels = useResource(() => stock.get(sku), [sku], { pollMs: POLL_MS });
  const history = useResource(() => stockHistory(sku, 30), [sku]);
  const [action, setAction] = useState<StockAction | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [ledgerVersion, setLedgerVersion] = useState(0);
  const [thresholdsAt, setThresholdsAt] = useState<StockLevel | null>(null);

  if (product.error && !product.data)
    return <LoadError error={product.error} retry={() => void product.reload()} />;
  if (!product.data) return <Loading label="Loading product…" />;
  const p = product.data;
  const totals = levels.data?.totals ?? p.stock;
  const shortfall = levels.data?.totals.shortfall ?? 0;
  const mayEdit = can(user, 'products:edit') && p.status === 'active';
  const mayMove = can(user, 'stock:move') && p.status === 'active';
  const mayEditThresholds = can(user, 'thresholds:edit') && p.status === 'active';

  const applyOptimistic = (change: OptimisticChange) => {
    const shift = (sign: 1 | -1) => levels.setData((view) => view && shiftView(view, change, sign));
    shift(1);
    return () => shift(-1);
  };

  const remove = async () => {
    setDeleting(false);
    try {
      await products.remove(sku);
      toast.success(`${sku} deleted (archived)`);
      navigate('/inventory');
    } catch (e) {
      toast.error(e);
    }
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/inventory">Inventory</Link> <span aria-hidden="true">/</span>{' '}
        <span aria-current="page">{sku}</span>
      </nav>
      <PageHeader title={p.name}>
        {mayMove
          ? STOCK_ACTIONS.map((a) => (
              <button
                key={a.id}
                type="button"
                className="button button-secondary"
                onClick={() => setAction(a.id)}
              >
                {a.label}
              </button>
            ))
          : null}
        {mayEdit ? (
          <>
            <Link to={`/products/${encodeURIComponent(sku)}/edit`} className="button button-primary">
              <Icon name="edit" /> Edit
            </Link>
            <button type="button" className="button button-danger" onClick={() => setDeleting(true)}>
              <Icon name="trash" /> Delete
            </button>
          </>
        ) : null}
      </PageHeader>

      <div className="detail-grid">
        <section className="card" aria-labelledby="about-title">
          <h2 id="about-title">Product</h2>
          <p className="product-meta">
            <span className="mono">{p.sku}</span> · {p.category} ·{' '}
            <StockBadge status={stockStatus({ ...p, stock: totals })} />
            {shortfall > 0 ? <ShortfallBadge units={shortfall} /> : null}
            {p.status === 'archived' ? <span className="badge badge-muted badge-gap">Archived</span> : null}
          </p>
          <p className="description">{p.description || <span className="muted">No description.</span>}</p>
          <dl className="facts">
            <div>
              <dt>Price</dt>
              <dd>{formatMoney(p.price)}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{formatMoney(p.cost)}</dd>
            </div>
            <div>
              <dt>Reorder point</dt>
              <dd>{formatNumber(p.reorderPoint)}</dd>
            </div>
            <div>
              <dt>Safety stock</dt>
              <dd>{formatNumber(p.safetyStock)}</dd>
            </div>
            <div>
              <dt>Backorders</dt>
              <dd>{p.allowBackorder ? 'Allowed' : 'Not allowed'}</dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd>
                {formatDateTime(p.updatedAt)}
                {p.updatedBy ? ` by ${p.updatedBy}` : ''}
              </dd>
            </div>
            {Object.entries(p.attributes).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{String(v)}</dd>
              </div>
            ))}
          </dl>
        </section>

        <section className="card" aria-labelledby="images-title">
          <h2 id="images-title">Images</h2>
          {p.imageKeys.length ? (
            <div className="images">
              {p.imageKeys.map((key, i) => (
                <ProductImage key={key} sku={sku} imageKey={key} alt={`${p.name}, image ${i + 1}`} />
              ))}
            </div>
          ) : (
            <p className="muted">No image yet.</p>
          )}
          {mayEdit ? <ImageUpload sku={sku} onUploaded={() => void product.reload()} /> : null}
        </section>
      </div>

      <section className="card" aria-labelledby="stock-title">
        <h2 id="stock-title">Stock</h2>
        <div className="stats">
          <Stat label="On hand" value={formatNumber(totals?.onHand)} />
          <Stat label="Reserved" value={formatNumber(totals?.reserved)} />
          <Stat
            label="Available"
            value={formatNumber(totals?.available)}
            tone={stockStatus({ ...p, stock: totals })}
          />
          <Stat label="Incoming" value={formatNumber(totals?.incoming)} />
        </div>
        {shortfall > 0 ? (
          <p className="callout callout-error">
            <strong>
              Shortfall: {formatNumber(shortfall)} reserved {shortfall === 1 ? 'unit is' : 'units are'} not on
              hand.
            </strong>{' '}
            A count found less than is reserved for open orders, so some of them may fail to commit. Receive
            or find the stock to cover them.
          </p>
        ) : null}
        {levels.error && !levels.data ? (
          <LoadError error={levels.error} retry={() => void levels.reload()} />
        ) : null}
        {levels.data ? (
          <LocationsTable
            view={levels.data}
            product={p}
            {...(mayEditThresholds ? { onEditThresholds: setThresholdsAt } : {})}
          />
        ) : null}
      </section>

      <ReorderPanel sku={sku} />

      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">Stock on hand, last 30 days</h2>
        {history.error ? <LoadError error={history.error} retry={() => void history.reload()} /> : null}
        {history.data ? (
          <LineChart
            title="Units on hand per day"
            points={history.data.map((h) => ({ date: h.date, value: h.onHand }))}
          />
        ) : null}
        {history.data?.length && history.data.every((h) => h.onHand <= 0) ? (
          <p className="muted">No stock on hand in these 30 days.</p>
        ) : null}
      </section>

      <Suspense fallback={<Loading label="Loading forecast…" />}>
        <ForecastCard sku={sku} />
      </Suspense>

      <SuggestionCard sku={sku} onAccepted={() => void product.reload()} />

      <Ledger sku={sku} version={ledgerVersion} />

      {action ? (
        <StockActionDialog
          sku={sku}
          name={p.name}
          initial={action}
          knownLocations={levels.data?.locations.map((l) => l.locationId) ?? []}
          onHandAt={(id) =>
            levels.data?.locations.find((l) => l.locationId === id)?.onHand ?? (levels.data ? 0 : undefined)
          }
          onOptimistic={applyOptimistic}
          onDone={() => {
            void levels.reload();
            void product.reload();
            void history.reload();
            setLedgerVersion((v) => v + 1);
          }}
          onClose={() => setAction(null)}
        />
      ) : null}
      {thresholdsAt ? (
        <ThresholdsDialog
          product={p}
          level={thresholdsAt}
          mayEditProduct={mayEdit}
          onSaved={() => {
            void levels.reload();
            setThresholdsAt(null);
          }}
          onClose={() => setThresholdsAt(null)}
        />
      ) : null}
      {deleting ? (
        <Modal
          title={`Delete ${sku}?`}
          onClose={() => setDeleting(false)}
          footer={
            <>
              <button type="button" className="button button-secondary" onClick={() => setDeleting(false)}>
                Cancel
              </button>
              <button type="button" className="button button-danger" onClick={() => void remove()}>
                Delete
              </button>
            </>
          }
        >
          <p>The product will be archived. It cannot be deleted while stock is on hand or reserved.</p>
        </Modal>
      ) : null}
    </>
  );
}

/** The product's reorder rules (per location) and its open purchase orders, linking to both. */
function ReorderPanel({ sku }: { sku: string }) {
  const rules = useResource(() => reorderRules.list({ sku }), [sku]);
  const orders = useResource(() => purchaseOrders.list({ sku, limit: 25 }), [sku], { pollMs: POLL_MS });
  const open = orders.data?.items.filter((po) => !FINAL_PO_STATUSES.includes(po.status)) ?? [];
  const q = `sku=${encodeURIComponent(sku)}`;
  return (
    <section className="card" aria-labelledby="reorder-title">
      <div className="card-header">
        <h2 id="reorder-title">Reorder rule</h2>
        <Link to={`/purchasing/reorder-rules?${q}`}>
          {rules.data?.items.length ? 'Open the rule' : 'Reorder rules'}
        </Link>
      </div>
      {rules.error && !rules.data ? (
        <LoadError error={rules.error} retry={() => void rules.reload()} />
      ) : null}
      {rules.data && rules.data.items.length === 0 ? (
        <p className="muted">No reorder rule: no purchase order is raised automatically for {sku}.</p>
      ) : null}
      {rules.data?.items.length ? (
        <ul className="plain-list">
          {rules.data.items.map((r) => (
            <li key={r.locationId}>
              At <strong>{r.locationId}</strong>: order up to {formatNumber(r.max)} when available + on order
              falls to {formatNumber(r.min)}, from {r.preferredSupplierId}
              {r.fallbackSupplierId ? ` (then ${r.fallbackSupplierId})` : ''}
              {r.position
                ? r.position.suggestedQuantity > 0
                  ? `; ${formatNumber(r.position.suggestedQuantity)} would be ordered now.`
                  : '; nothing to order now.'
                : '.'}
            </li>
          ))}
        </ul>
      ) : null}
      <h3>Open purchase orders</h3>
      {orders.error && !orders.data ? (
        <LoadError error={orders.error} retry={() => void orders.reload()} />
      ) : null}
      {orders.data ? (
        open.length ? (
          <>
            <PurchaseOrdersTable items={open} highlightSku={sku} caption={`Open purchase orders of ${sku}`} />
            <Link to={`/purchasing/orders?${q}`}>All purchase orders of {sku}</Link>
          </>
        ) : (
          <p className="muted">None open.</p>
        )
      ) : null}
    </section>
  );
}

/** The stock view with one change applied (sign 1) or taken back (sign -1). */
export function shiftView(view: StockView, change: OptimisticChange, sign: 1 | -1): StockView {
  const moves = new Map<string, number>([[change.locationId, change.onHandDelta * sign]]);
  if (change.toLocationId) moves.set(change.toLocationId, -change.onHandDelta * sign);
  const locations = view.locations.map((l) => {
    const d = moves.get(l.locationId) ?? 0;
    return d ? { ...l, onHand: l.onHand + d, available: l.available + d } : l;
  });
  for (const [id, d] of moves) {
    if (!locations.some((l) => l.locationId === id) && d > 0) {
      locations.push({
        locationId: id,
        onHand: d,
        reserved: 0,
        incoming: 0,
        safetyStock: 0,
        available: d,
        shortfall: 0,
        reorderPoint: 0,
        thresholds: 'product',
        updatedAt: '',
      });
    }
  }
  const total = change.toLocationId ? 0 : change.onHandDelta * sign;
  return {
    ...view,
    locations,
    totals: { ...view.totals, onHand: view.totals.onHand + total, available: view.totals.available + total },
  };
}

function LocationsTable({
  view,
  product,
  onEditThresholds,
}: {
  view: StockView;
  product: Product;
  onEditThresholds?: (level: StockLevel) => void;
}) {
  if (view.locations.length === 0) return <p className="muted">No stock at any location yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">Stock per location</caption>
        <thead>
          <tr>
            <th scope="col">Location</th>
            <th scope="col" className="numeric">
              On hand
            </th>
            <th scope="col" className="numeric">
              Reserved
            </th>
            <th scope="col" className="numeric">
              Safety stock
            </th>
            <th scope="col" className="numeric">
              Available
            </th>
            <th scope="col" className="numeric">
              Incoming
            </th>
            <th scope="col" className="numeric">
              Reorder point
            </th>
            <th scope="col">Thresholds</th>
            <th scope="col">Updated</th>
            {onEditThresholds ? (
              <th scope="col">
                <span className="sr-only">Edit thresholds</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {view.locations.map((l) => (
            <tr key={l.locationId}>
              <th scope="row">
                {l.locationId}
                {l.shortfall > 0 ? <ShortfallBadge units={l.shortfall} /> : null}
              </th>
              <td className="numeric">{formatNumber(l.onHand)}</td>
              <td className="numeric">{formatNumber(l.reserved)}</td>
              <td className="numeric">{formatNumber(l.safetyStock)}</td>
              <td className="numeric">{formatNumber(l.available)}</td>
              <td className="numeric">{formatNumber(l.incoming)}</td>
              <td className="numeric">{formatNumber(l.reorderPoint)}</td>
              <td>
                {l.thresholds === 'location' ? (
                  <span className="badge badge-info">This location's</span>
                ) : (
                  <span
                    className="badge badge-muted"
                    title={`Reorder point ${product.reorderPoint}, safety stock ${product.safetyStock}`}
                  >
                    Product's
                  </span>
                )}
              </td>
              <td>{l.updatedAt ? formatDateTime(l.updatedAt) : 'Saving…'}</td>
              {onEditThresholds ? (
                <td>
                  <button
                    type="button"
                    className="button button-secondary button-icon"
                    title="Edit reorder point and safety stock here"
                    onClick={() => onEditThresholds(l)}
                  >
                    <Icon name="edit" />
                    <span className="sr-only">Edit thresholds at {l.locationId}</span>
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const signed = (n: number) => (n > 0 ? `+${formatNumber(n)}` : formatNumber(n));

/** The movement ledger, newest first: what changed, where, who did it and why. */
function Ledger({ sku, version }: { sku: string; version: number }) {
  // The latest 20 first (polled), then older ones 50 at a time.
  const list = usePagedList(
    (cursor) => stock.movements(sku, cursor, cursor ? 50 : 20),
    `${sku}|${version}`,
    (m: Movement) => m.id,
    { pollMs: POLL_MS },
  );

  return (
    <section className="card" aria-labelledby="ledger-title">
      <h2 id="ledger-title">Movements</h2>
      <PagedList list={list} loadingLabel="Loading movements…" moreLabel="Older movements">
        {(items) =>
          items.length === 0 ? (
            <p className="muted">No movements yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="table ledger">
                <caption className="sr-only">Stock movements of {sku}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">What</th>
                    <th scope="col">Location</th>
                    <th scope="col" className="numeric">
                      Change
                    </th>
                    <th scope="col" className="numeric">
                      On hand after
                    </th>
                    <th scope="col">Why</th>
                    <th scope="col">Who</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((m) => (
                    <tr key={m.id}>
                      <td>{formatDateTime(m.at)}</td>
                      <td>{humanize(m.kind)}</td>
                      <td>{m.locationId}</td>
                      <td className="numeric">
                        {m.deltas.onHand
                          ? signed(m.deltas.onHand)
                          : m.deltas.reserved
                            ? `${signed(m.deltas.reserved)} reserved`
                            : m.deltas.incoming
                              ? `${signed(m.deltas.incoming)} incoming`
                              : '0'}
                      </td>
                      <td className="numeric">{formatNumber(m.after.onHand)}</td>
                      <td>
                        {[m.reason ? humanize(m.reason) : null, m.note, m.reference]
                          .filter(Boolean)
                          .join(' · ') || '—'}
                      </td>
                      <td>{m.actor}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </PagedList>
    </section>
  );
}

/** Upload: ask for a presigned URL, PUT the file there, then confirm the key. */
function ImageUpload({ sku, onUploaded }: { sku: string; onUploaded(): void }) {
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) {
      toast.error('Choose a PNG, JPEG or WebP image.');
      return;
    }
    if (file.size > 10 * 1024 * 1024) {
      toast.error('The image is larger than 10 MB.');
      return;
    }
    setBusy(true);
    const key = newIdempotencyKey();
    try {
      const target = await products.requestImageUpload(
        sku,
        { contentType: file.type, fileName: file.name.replace(/[/\\]/g, '_') },
        { idempotencyKey: `${key}-request` },
      );
      const put = await fetch(target.uploadUrl, {
        method: 'PUT',
        headers: { 'content-type': file.type },
        body: file,
      });
      if (!put.ok) throw new Error(`The upload failed (${put.status}).`);
      await products.confirmImage(sku, target.key, { idempotencyKey: `${key}-confirm` });
      toast.success('Image uploaded');
      onUploaded();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="upload">
      <label htmlFor="image-file" className="button button-secondary">
        <Icon name="upload" /> {busy ? 'Uploading…' : 'Upload image'}
      </label>
      <input
        ref={input}
        id="image-file"
        className="sr-only"
        type="file"
        accept={IMAGE_TYPES.join(',')}
        disabled={busy}
        onChange={(e) => void upload(e)}
      />
      <small className="muted">PNG, JPEG or WebP, up to 10 MB.</small>
    </div>
  );
}

const wholeOrNull = (text: string): number | null => {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
};

/**
 * A location's own reorder point and safety stock; an empty field goes back to the product's.
 * A value equal to the product's is only prefilled when the location set it itself.
 */
function ThresholdsDialog({
  product,
  level,
  mayEditProduct,
  onSaved,
  onClose,
}: {
  product: Product;
  level: StockLevel;
  mayEditProduct: boolean;
  onSaved(): void;
  onClose(): void;
}) {
  const toast = useToast();
  const own = level.thresholds === 'location';
  const [reorderPoint, setReorderPoint] = useState(
    own && level.reorderPoint !== product.reorderPoint ? String(level.reorderPoint) : '',
  );
  const [safetyStock, setSafetyStock] = useState(
    own && level.safetyStock !== product.safetyStock ? String(level.safetyStock) : '',
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const body = { reorderPoint: wholeOrNull(reorderPoint), safetyStock: wholeOrNull(safetyStock) };
    const local: Record<string, string> = {};
    if (Number.isNaN(body.reorderPoint))
      local.reorderPoint = 'Enter a whole number, 0 or more, or leave empty';
    if (Number.isNaN(body.safetyStock)) local.safetyStock = 'Enter a whole number, 0 or more, or leave empty';
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await stock.setThresholds(product.sku, level.locationId, body);
      toast.success(`Thresholds of ${product.sku} at ${level.locationId} saved`);
      onSaved();
    } catch (e) {
      setErrors(fieldErrorsOf(e));
      setFailure(`Not saved: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Thresholds at ${level.locationId}`} onClose={onClose}>
      <form className="form-grid" onSubmit={(e) => void save(e)} noValidate>
        <p className="muted">
          Low-stock alerts and the stock status use these at {level.locationId}. Leave a field empty to use
          the product's value.
        </p>
        <WholeNumberField
          label="Reorder point at this location"
          value={reorderPoint}
          onChange={setReorderPoint}
          placeholder={String(product.reorderPoint)}
          hint={`Empty: the product's (${formatNumber(product.reorderPoint)})`}
          error={errors.reorderPoint}
        />
        <WholeNumberField
          label="Safety stock at this location"
          value={safetyStock}
          onChange={setSafetyStock}
          placeholder={String(product.safetyStock)}
          hint={`Empty: the product's (${formatNumber(product.safetyStock)})`}
          error={errors.safetyStock}
        />
        {mayEditProduct ? (
          <p className="muted">
            The product's own values are edited on{' '}
            <Link to={`/products/${encodeURIComponent(product.sku)}/edit`}>its edit page</Link>.
          </p>
        ) : null}
        <FormFailure message={failure} />
        <div className="form-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => {
              setReorderPoint('');
              setSafetyStock('');
            }}
          >
            Use the product's values
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save thresholds'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
