import { ulid } from 'ulid';
import { NotFoundError, UnprocessableError, ValidationError } from '../../../lib/errors.ts';
import type { StockLevelChanged } from '../../stock/contract.ts';
import type { CreateProduct, ListProductsQuery, Product, UpdateProduct } from '../contract.ts';
import { VersionConflictError } from './errors.ts';
import {
  addImage,
  applyStockLevel,
  archiveProduct,
  type Change,
  type CommandContext,
  createProduct,
  type ProductState,
  type StockByLocation,
  toProduct,
  updateProduct,
} from './product.ts';

/** The catalog's persistence port (implemented by `store.ts` on DynamoDB). */
export interface ProductStore {
  get(sku: string): Promise<ProductState | undefined>;
  /**
   * Writes the product and its outbox in one write, conditioned on `expectedVersion`
   * (undefined: the item must not exist). Throws VersionConflictError when the condition fails.
   */
  save(change: Change): Promise<void>;
  list(query: ListProductsQuery): Promise<{ items: ProductState[]; nextCursor?: string }>;
  /** The stock projection and its revision (for a conditional write); undefined if no product. */
  getStock(sku: string): Promise<{ byLocation: StockByLocation; revision: number } | undefined>;
  /** Writes the projection if its revision is still `expectedRevision`, else VersionConflictError. */
  saveStock(sku: string, byLocation: StockByLocation, expectedRevision: number): Promise<void>;
}

/** The image bucket port (implemented by `images.ts` on S3). */
export interface ImageStore {
  presignUpload(key: string, contentType: string, expiresInSeconds: number): Promise<string>;
  /** The object's size and type, or undefined when it does not exist. */
  head(key: string): Promise<{ size: number; contentType?: string } | undefined>;
  presignDownload(key: string, expiresInSeconds: number): Promise<string>;
}

export const UPLOAD_URL_TTL_SECONDS = 10 * 60;
export const DOWNLOAD_URL_TTL_SECONDS = 5 * 60;
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };
/** Conditional writes lost to concurrent writers are re-decided on fresh state this many times. */
const MAX_ATTEMPTS = 8;

type StockLevel = ReturnType<typeof StockLevelChanged.create>['data'];

/** The catalog's use cases. Handlers call exactly one of these. */
export class Catalog {
  constructor(
    private readonly store: ProductStore,
    private readonly images: ImageStore,
    private readonly clock: () => string = () => new Date().toISOString(),
  ) {}

  async create(input: CreateProduct, ctx: Omit<CommandContext, 'now'>): Promise<Product> {
    const decide = async () =>
      createProduct(input, await this.store.get(input.sku), { ...ctx, now: this.clock() });
    // A concurrent create of the same SKU loses the conditional write; deciding again on the
    // fresh state reports it as the duplicate it is.
    const saved = await this.saveOrRetry(await decide(), decide);
    return toProduct(saved.product);
  }

  async get(sku: string): Promise<Product> {
    return toProduct(await this.load(sku));
  }

  async list(query: ListProductsQuery): Promise<{ items: Product[]; nextCursor?: string }> {
    const page = await this.store.list(query);
    return { items: page.items.map(toProduct), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /**
   * Without `ifMatch`, a concurrent change is retried on the fresh state (the patch is re-applied,
   * so no other field is lost); with it, the client asked for an optimistic lock and gets 412.
   */
  async update(
    sku: string,
    patch: UpdateProduct,
    ctx: Omit<CommandContext, 'now'> & { ifMatch?: number },
  ): Promise<Product> {
    return this.mutate(sku, (current) => updateProduct(current, patch, { ...ctx, now: this.clock() }));
  }

  async archive(sku: string, ctx: Omit<CommandContext, 'now'>): Promise<Product> {
    return this.mutate(sku, (current) => archiveProduct(current, { ...ctx, now: this.clock() }));
  }

  async requestImageUpload(
    sku: string,
    request: { contentType: string; fileName: string },
  ): Promise<{ uploadUrl: string; key: string; expiresAt: string }> {
    const product = await this.load(sku);
    if (product.status === 'archived') throw new UnprocessableError(`Product ${sku} is archived`);
    const key = `products/${sku}/${ulid()}.${EXTENSIONS[request.contentType] ?? 'bin'}`;
    const uploadUrl = await this.images.presignUpload(key, request.contentType, UPLOAD_URL_TTL_SECONDS);
    const expiresAt = new Date(Date.parse(this.clock()) + UPLOAD_URL_TTL_SECONDS * 1000).toISOString();
    return { uploadUrl, key, expiresAt };
  }

  /** Adds an uploaded image to the product once S3 confirms the object exists. */
  async confirmImage(sku: string, key: string, ctx: Omit<CommandContext, 'now'>): Promise<Product> {
    if (!key.startsWith(`products/${sku}/`)) {
      throw new ValidationError([{ field: 'key', message: `must be an image key of product ${sku}` }]);
    }
    await this.load(sku);
    const object = await this.images.head(key);
    if (!object) throw new UnprocessableError(`Image ${key} has not been uploaded`);
    if (object.size > MAX_IMAGE_BYTES) {
      throw new UnprocessableError(`Image ${key} is larger than ${MAX_IMAGE_BYTES} bytes`);
    }
    return this.mutate(sku, (current) => addImage(current, key, { ...ctx, now: this.clock() }));
  }

  async imageUrl(sku: string, imageId: string): Promise<string> {
    const product = await this.load(sku);
    const key = `products/${sku}/${imageId}`;
    if (!product.imageKeys.includes(key)) throw new NotFoundError(`Product ${sku} has no image ${imageId}`);
    return this.images.presignDownload(key, DOWNLOAD_URL_TTL_SECONDS);
  }

  /**
   * Folds a StockLevelChanged into the product's stock projection. Idempotent and safe out of
   * order (older level versions are ignored). It never touches the product's version or outbox,
   * so it publishes nothing. An event for a SKU the catalog does not have is ignored: the stock
   * service learns SKUs from our ProductCreated, so the product always exists first.
   */
  async applyStockLevel(level: StockLevel): Promise<'applied' | 'stale' | 'unknown-sku'> {
    for (let attempt = 1; ; attempt++) {
      const held = await this.store.getStock(level.sku);
      if (!held) return 'unknown-sku';
      const next = applyStockLevel(held.byLocation, level);
      if (!next) return 'stale';
      try {
        await this.store.saveStock(level.sku, next, held.revision);
        return 'applied';
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async load(sku: string): Promise<ProductState> {
    const product = await this.store.get(sku);
    if (!product) throw new NotFoundError(`No product with SKU ${sku}`);
    return product;
  }

  private async mutate(sku: string, decide: (current: ProductState) => Change): Promise<Product> {
    const change = decide(await this.load(sku));
    const saved = await this.saveOrRetry(change, async () => decide(await this.load(sku)));
    return toProduct(saved.product);
  }

  /** Saves; on a lost race re-decides on fresh state (which may then refuse, e.g. 412 or 409). */
  private async saveOrRetry(first: Change, redecide: () => Promise<Change>): Promise<Change> {
    let change = first;
    for (let attempt = 1; ; attempt++) {
      if (change.events.length === 0) return change;
      try {
        await this.store.save(change);
        return change;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
        change = await redecide();
      }
    }
  }
}
