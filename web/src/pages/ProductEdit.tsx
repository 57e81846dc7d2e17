import { useRef } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ApiError, newIdempotencyKey } from '../api/client.ts';
import { products } from '../api/endpoints.ts';
import type { ProductInput } from '../api/types.ts';
import { useUser } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import { changedFields, ProductForm } from '../components/ProductForm.tsx';
import { useToast } from '../components/Toasts.tsx';
import { LoadError, Loading, PageHeader } from '../components/ui.tsx';
import { useResource, useTitle } from '../lib/hooks.ts';

/** /products/new and /products/:sku/edit. */
export default function ProductEdit() {
  const sku = useParams().sku;
  useTitle(sku ? `Edit ${sku}` : 'New product');
  const user = useUser();
  const toast = useToast();
  const navigate = useNavigate();
  const existing = useResource(() => products.get(sku ?? ''), [sku], { enabled: Boolean(sku) });
  const categories = useResource(() => products.list({ limit: 100 }), []);
  // One key per "create" action: a retry after a network failure cannot create twice.
  const createKey = useRef<{ body: string; key: string } | null>(null);

  if (!can(user, 'products:edit')) {
    return (
      <>
        <PageHeader title={sku ? `Edit ${sku}` : 'New product'} />
        <p className="callout callout-warning" role="alert">
          You don't have permission to change products.
        </p>
      </>
    );
  }
  if (sku && existing.error) return <LoadError error={existing.error} retry={() => void existing.reload()} />;
  if (sku && !existing.data) return <Loading label="Loading product…" />;
  const product = existing.data;
  const categoryNames = [...new Set(categories.data?.items.map((p) => p.category) ?? [])].sort();

  const save = async (input: ProductInput) => {
    if (!product) {
      const body = JSON.stringify(input);
      if (createKey.current?.body !== body) createKey.current = { body, key: newIdempotencyKey() };
      const created = await products.create(input, { idempotencyKey: createKey.current.key });
      toast.success(`${created.sku} created`);
      navigate(`/products/${encodeURIComponent(created.sku)}`);
      return;
    }
    const changes = changedFields(product, input);
    if (Object.keys(changes).length === 0) {
      toast.info('Nothing to save');
      return;
    }
    try {
      await products.update(product.sku, changes, product.version);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        toast.error('Someone changed this product meanwhile. Reload it and apply your change again.');
        void existing.reload();
        return;
      }
      throw e;
    }
    toast.success(`${product.sku} saved`);
    navigate(`/products/${encodeURIComponent(product.sku)}`);
  };

  return (
    <>
      <PageHeader title={product ? `Edit ${product.name}` : 'New product'} />
      <ProductForm
        key={product ? `${product.sku}-${product.version}` : 'new'}
        {...(product ? { product } : {})}
        categories={categoryNames}
        onSubmit={async (input) => {
          try {
            await save(input);
          } catch (e) {
            toast.error(e);
            throw e;
          }
        }}
        onCancel={() => navigate(product ? `/products/${encodeURIComponent(product.sku)}` : '/inventory')}
      />
    </>
  );
}
