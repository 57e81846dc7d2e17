import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, TransientError, UnprocessableError } from '../../../lib/errors.ts';
import type {
  CreateSupplierBody,
  Supplier,
  SupplierItem,
  SupplierItemBody,
  SupplierPerformance,
  UpdateSupplierBody,
} from '../contract.ts';
import type {
  PurchaseOrdering,
  StoredSupplier,
  StoredSupplierItem,
  SupplierDirectory,
  SupplierPerformanceFigures,
  WebhookSecrets,
} from './model.ts';

/** Someone else wrote the supplier (or item) between our read and our conditional write. */
export class StaleSupplierError extends ConflictError {}

/** How long an Idempotency-Key of a create or a rotation is honoured. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;
const KEPT_ROTATIONS = 10;

/** A supplier as the store keeps it: the stored supplier plus what makes its POSTs idempotent. */
export interface SupplierRecord extends StoredSupplier {
  /** The create that made it: hashes of its Idempotency-Key and body (absent without a key). */
  creation?: { keyHash: string; requestHash: string; at: string };
  /** The latest rotations (newest last), by rotation id: a retried rotation answers the same secret. */
  rotations?: { id: string; at: string }[];
  webhookDisabledReason?: string;
  webhookDisabledAt?: string;
  updatedBy?: string;
}

/** The suppliers' and items' persistence port (services/replenishment/supplier-store.ts). */
export interface SupplierStore {
  getSupplier(supplierId: string): Promise<SupplierRecord | undefined>;
  listSuppliers(): Promise<SupplierRecord[]>;
  /** Writes if the stored `rev` is `expectedRev` (undefined: must not exist). Else StaleSupplierError. */
  saveSupplier(supplier: SupplierRecord, expectedRev: number | undefined): Promise<void>;
  /** Deletes the supplier if its stored `rev` is still `expectedRev` (undoes a create that failed). */
  deleteSupplier(supplierId: string, expectedRev: number): Promise<void>;
  getItem(supplierId: string, sku: string): Promise<StoredSupplierItem | undefined>;
  listItems(supplierId: string): Promise<StoredSupplierItem[]>;
  saveItem(item: StoredSupplierItem, expectedRev: number | undefined): Promise<void>;
  /** True when it existed. */
  deleteItem(supplierId: string, sku: string): Promise<boolean>;
}

export interface SuppliersConfig {
  now?: () => Date;
  /** Attempts of a read-decide-write cycle that lost a race before giving up (TransientError). */
  maxAttempts?: number;
}

export interface CommandContext {
  actor: string;
  idempotencyKey?: string;
}

const sha256 = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64url');

const EMPTY_FIGURES: SupplierPerformanceFigures = {
  receipts: 0,
  observedLeadTimeDays: null,
  onTimeRate: null,
};

/** The record without the store's bookkeeping: what the API shows (performance added by the caller). */
function supplierView(record: SupplierRecord, performance: SupplierPerformance): Supplier {
  return {
    id: record.id,
    name: record.name,
    email: record.email,
    ...(record.phone ? { phone: record.phone } : {}),
    webhookUrl: record.webhookUrl,
    currency: record.currency,
    leadTimeDays: record.leadTimeDays,
    active: record.active,
    backorderPolicy: record.backorderPolicy,
    webhookStatus: record.webhookStatus,
    ...(record.secretRotatedAt ? { secretRotatedAt: record.secretRotatedAt } : {}),
    performance,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function itemView(item: StoredSupplierItem, performance: SupplierPerformance): SupplierItem {
  const { rev: _rev, ...rest } = item;
  return { ...rest, performance };
}

/**
 * Suppliers and their items: the signing secret made on create (shown once), rotated with a grace
 * for the previous one, a webhook disabled by a 410 and enabled again by setting its URL.
 * Performance (observed against promised lead time, on-time rate) comes from the purchase orders.
 * Every write is conditioned on the revision read; a lost race re-reads and decides again.
 */
export class Suppliers implements SupplierDirectory {
  private readonly now: () => Date;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: SupplierStore,
    private readonly secrets: WebhookSecrets,
    private readonly ordering: () => Pick<PurchaseOrdering, 'performance'>,
    config: SuppliersConfig = {},
  ) {
    this.now = config.now ?? (() => new Date());
    this.maxAttempts = config.maxAttempts ?? 10;
  }

  // ------------------------------------------------------------ SupplierDirectory (for purchase orders)

  getSupplier(supplierId: string): Promise<StoredSupplier | undefined> {
    return this.store.getSupplier(supplierId);
  }

  getItem(supplierId: string, sku: string): Promise<StoredSupplierItem | undefined> {
    return this.store.getItem(supplierId, sku);
  }

  /** Idempotent: a webhook already disabled (or a supplier that is not there) stays as it is. */
  async disableWebhook(supplierId: string, reason: string): Promise<void> {
    await this.mutate(supplierId, (current) => {
      if (!current || current.webhookStatus === 'disabled') return undefined;
      const at = this.now().toISOString();
      return {
        ...current,
        webhookStatus: 'disabled',
        webhookDisabledReason: reason.slice(0, 500),
        webhookDisabledAt: at,
        updatedAt: at,
        updatedBy: 'system',
      };
    });
  }

  // ------------------------------------------------------------ suppliers

  /**
   * A new supplier and its signing secret, returned this once. The supplier item is written first
   * (attribute_not_exists: the lock on its id), so only the request that made it writes a secret.
   *
   * The same create again with the same `Idempotency-Key` (a client that lost our answer) within
   * 24 h and before any rotation answers the first result again, secret included: that caller is
   * the one who made it, and a client that never saw the secret could not use the supplier. Any
   * other second create of the id is a 409, and shows no secret. If the secret cannot be stored,
   * the supplier item is deleted again (the create failed as a whole and may be retried).
   */
  async create(
    body: CreateSupplierBody,
    ctx: CommandContext,
  ): Promise<{ supplier: Supplier; secret: string; replayed: boolean }> {
    const at = this.now().toISOString();
    const requestHash = sha256(body);
    const keyHash = ctx.idempotencyKey === undefined ? undefined : sha256(ctx.idempotencyKey);
    const record: SupplierRecord = {
      id: body.id,
      name: body.name,
      email: body.email,
      ...(body.phone ? { phone: body.phone } : {}),
      webhookUrl: body.webhookUrl,
      currency: body.currency,
      leadTimeDays: body.leadTimeDays,
      active: body.active,
      backorderPolicy: body.backorderPolicy,
      webhookStatus: 'enabled',
      createdAt: at,
      updatedAt: at,
      updatedBy: ctx.actor,
      ...(keyHash ? { creation: { keyHash, requestHash, at } } : {}),
      rev: 1,
    };
    try {
      await this.store.saveSupplier(record, undefined);
    } catch (error) {
      if (!(error instanceof StaleSupplierError)) throw error;
      const existing = await this.store.getSupplier(body.id);
      if (!existing || !keyHash || existing.creation?.keyHash !== keyHash) {
        throw new ConflictError(`Supplier ${body.id} already exists`, { supplierId: body.id });
      }
      if (existing.creation.requestHash !== requestHash) {
        throw new ConflictError('This Idempotency-Key was already used with a different request', {
          idempotencyKey: ctx.idempotencyKey,
        });
      }
      const age = this.now().getTime() - Date.parse(existing.creation.at);
      if (existing.secretRotatedAt || age > IDEMPOTENCY_WINDOW_SECONDS * 1000) {
        throw new ConflictError(
          `Supplier ${body.id} already exists and its first secret can no longer be shown: rotate the secret to get a new one`,
          { supplierId: body.id },
        );
      }
      const secret = await this.secrets
        .signing(body.id)
        .catch((e) => (e instanceof NotFoundError ? this.secrets.create(body.id) : Promise.reject(e)));
      return { supplier: await this.withPerformance(existing), secret, replayed: true };
    }
    let secret: string;
    try {
      secret = await this.secrets.create(body.id);
    } catch (error) {
      // No supplier without a secret: undo the create, so that the same request may simply be retried.
      await this.store.deleteSupplier(body.id, record.rev).catch(() => undefined);
      throw error;
    }
    return { supplier: supplierView(record, this.promised(record, EMPTY_FIGURES)), secret, replayed: false };
  }

  async get(supplierId: string): Promise<Supplier> {
    const record = await this.store.getSupplier(supplierId);
    if (!record) throw new NotFoundError(`No supplier ${supplierId}`, { supplierId });
    return this.withPerformance(record);
  }

  async list(): Promise<{ items: Supplier[] }> {
    const records = await this.store.listSuppliers();
    return { items: await Promise.all(records.map((r) => this.withPerformance(r))) };
  }

  /** Changes some fields. Setting `webhookUrl` (even to the same URL) enables a webhook a 410 disabled. */
  async update(supplierId: string, body: UpdateSupplierBody, ctx: CommandContext): Promise<Supplier> {
    if (body.currency !== undefined) await this.checkCurrencyChange(supplierId, body.currency);
    const record = await this.mutate(supplierId, (current) => {
      if (!current) throw new NotFoundError(`No supplier ${supplierId}`, { supplierId });
      const at = this.now().toISOString();
      const next: SupplierRecord = { ...current, updatedAt: at, updatedBy: ctx.actor };
      for (const [field, value] of Object.entries(body)) {
        if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = value;
      }
      if (body.webhookUrl !== undefined) {
        next.webhookStatus = 'enabled';
        delete next.webhookDisabledReason;
        delete next.webhookDisabledAt;
      }
      return next;
    });
    return this.withPerformance(record!);
  }

  /**
   * A new signing secret; the previous one keeps verifying for 24 h. The supplier item's `rev`
   * serialises rotations (a concurrent one is a 409, never a lost secret): the rotation is claimed
   * on the item first, then made in the secret store under the claim's id, so a retry with the
   * same `Idempotency-Key` answers the same secret even if the first attempt stopped half-way.
   */
  async rotateSecret(
    supplierId: string,
    ctx: CommandContext,
  ): Promise<{ secret: string; previousValidUntil: string }> {
    const current = await this.store.getSupplier(supplierId);
    if (!current) throw new NotFoundError(`No supplier ${supplierId}`, { supplierId });
    const now = this.now();
    const rotationId =
      ctx.idempotencyKey === undefined
        ? sha256([supplierId, now.toISOString(), Math.random()])
        : sha256([supplierId, ctx.idempotencyKey]);
    const rotations = current.rotations ?? [];
    const seen = rotations.findIndex((r) => r.id === rotationId);
    if (seen >= 0) {
      const recent = now.getTime() - Date.parse(rotations[seen]!.at) <= IDEMPOTENCY_WINDOW_SECONDS * 1000;
      if (seen === rotations.length - 1 && recent) return this.secrets.rotate(supplierId, { rotationId });
      throw new ConflictError(
        'This Idempotency-Key was used for an earlier rotation that has since been superseded',
        { idempotencyKey: ctx.idempotencyKey },
      );
    }
    const at = now.toISOString();
    const claimed: SupplierRecord = {
      ...current,
      secretRotatedAt: at,
      rotations: [...rotations, { id: rotationId, at }].slice(-KEPT_ROTATIONS),
      updatedAt: at,
      updatedBy: ctx.actor,
      rev: current.rev + 1,
    };
    try {
      await this.store.saveSupplier(claimed, current.rev);
    } catch (error) {
      if (error instanceof StaleSupplierError) {
        throw new ConflictError(`Supplier ${supplierId} changed meanwhile (another rotation?): try again`, {
          supplierId,
        });
      }
      throw error;
    }
    return this.secrets.rotate(supplierId, { rotationId });
  }

  // ------------------------------------------------------------ items

  async putItem(
    supplierId: string,
    sku: string,
    body: SupplierItemBody,
  ): Promise<{ item: SupplierItem; created: boolean }> {
    const supplier = await this.store.getSupplier(supplierId);
    if (!supplier) throw new NotFoundError(`No supplier ${supplierId}`, { supplierId });
    // A PO's lines and total are in the supplier's currency: so are its items' prices.
    const wrong = [
      ...(body.unitCost.currency !== supplier.currency ? ['unitCost.currency'] : []),
      ...(body.priceBreaks ?? []).flatMap((b, i) =>
        b.unitCost.currency !== supplier.currency ? [`priceBreaks.${i}.unitCost.currency`] : [],
      ),
    ];
    if (wrong.length) {
      throw new UnprocessableError(`Prices must be in the supplier's currency, ${supplier.currency}`, {
        errors: wrong.map((field) => ({
          field,
          message: `must be ${supplier.currency}, the supplier's currency`,
        })),
      });
    }
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.store.getItem(supplierId, sku);
      const item: StoredSupplierItem = {
        supplierId,
        sku,
        supplierSku: body.supplierSku,
        unitCost: body.unitCost,
        minOrderQty: body.minOrderQty,
        packMultiple: body.packMultiple,
        ...(body.leadTimeDays !== undefined ? { leadTimeDays: body.leadTimeDays } : {}),
        ...(body.priceBreaks ? { priceBreaks: body.priceBreaks } : {}),
        updatedAt: this.now().toISOString(),
        rev: (current?.rev ?? 0) + 1,
      };
      try {
        await this.store.saveItem(item, current?.rev);
        const figures = (await this.ordering().performance(supplierId)).bySku.get(sku) ?? EMPTY_FIGURES;
        return {
          item: itemView(item, {
            ...figures,
            promisedLeadTimeDays: item.leadTimeDays ?? supplier.leadTimeDays,
          }),
          created: !current,
        };
      } catch (error) {
        if (!(error instanceof StaleSupplierError)) throw error;
      }
    }
    throw new TransientError(`supplier item ${supplierId}/${sku}: gave up after contended writes`);
  }

  async listItems(supplierId: string): Promise<{ items: SupplierItem[] }> {
    const supplier = await this.store.getSupplier(supplierId);
    if (!supplier) throw new NotFoundError(`No supplier ${supplierId}`, { supplierId });
    const [items, performance] = await Promise.all([
      this.store.listItems(supplierId),
      this.ordering().performance(supplierId),
    ]);
    return {
      items: items.map((item) =>
        itemView(item, {
          ...(performance.bySku.get(item.sku) ?? EMPTY_FIGURES),
          promisedLeadTimeDays: item.leadTimeDays ?? supplier.leadTimeDays,
        }),
      ),
    };
  }

  /** Idempotent: deleting an item that is not there is not an error (the supplier must exist). */
  async deleteItem(supplierId: string, sku: string): Promise<void> {
    const supplier = await this.store.getSupplier(supplierId);
    if (!supplier) throw new NotFoundError(`No supplier ${supplierId}`, { supplierId });
    await this.store.deleteItem(supplierId, sku);
  }

  // ------------------------------------------------------------ helpers

  /** A supplier's currency changes only while none of its items is priced in the old one. */
  private async checkCurrencyChange(supplierId: string, currency: string): Promise<void> {
    const priced = (await this.store.listItems(supplierId)).filter((i) => i.unitCost.currency !== currency);
    if (!priced.length) return;
    throw new UnprocessableError(`Items of supplier ${supplierId} are priced in another currency`, {
      errors: [
        {
          field: 'currency',
          message: `re-price or delete its items first (${priced
            .slice(0, 5)
            .map((i) => i.sku)
            .join(', ')}${priced.length > 5 ? ', …' : ''})`,
        },
      ],
    });
  }

  private promised(record: StoredSupplier, figures: SupplierPerformanceFigures): SupplierPerformance {
    return { ...figures, promisedLeadTimeDays: record.leadTimeDays };
  }

  private async withPerformance(record: SupplierRecord): Promise<Supplier> {
    const { overall } = await this.ordering().performance(record.id);
    return supplierView(record, this.promised(record, overall));
  }

  private async mutate(
    supplierId: string,
    decide: (current: SupplierRecord | undefined) => SupplierRecord | undefined,
  ): Promise<SupplierRecord | undefined> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.store.getSupplier(supplierId);
      const next = decide(current);
      if (!next) return current;
      const written = { ...next, rev: (current?.rev ?? 0) + 1 };
      try {
        await this.store.saveSupplier(written, current?.rev);
        return written;
      } catch (error) {
        if (!(error instanceof StaleSupplierError)) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * 2 ** attempt)));
      }
    }
    throw new TransientError(`supplier ${supplierId}: gave up after ${this.maxAttempts} contended writes`);
  }
}
