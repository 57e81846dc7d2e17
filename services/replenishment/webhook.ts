import { Webhook } from 'standardwebhooks';
import { requireEnv } from '../../lib/aws.ts';
import { PUBLIC_API_URL_ENV } from '../../lib/topology.ts';
import {
  type PurchaseOrderCancelledWebhook,
  type PurchaseOrderWebhook,
  purchaseOrderCancelledWebhookSchema,
  purchaseOrderWebhookSchema,
  WEBHOOK_HEADERS,
} from './contract.ts';
import type { SupplierDirectory, WebhookSecrets } from './domain/model.ts';
import {
  type PoRecord,
  type PurchaseOrderSender,
  SupplierGone,
  SupplierRefused,
  SupplierUnavailable,
} from './domain/purchase-orders.ts';

/** How long a supplier's webhook has to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** The Standard Webhooks message id of a PO: the same for every retry and reminder, so suppliers de-duplicate. */
export const webhookIdOf = (purchaseOrderId: string): string => `msg_${purchaseOrderId}`;

/** The message id of a PO's cancellation: stable across retries too. */
export const cancellationWebhookIdOf = (purchaseOrderId: string): string =>
  `msg_${purchaseOrderId}_cancelled`;

/** Where a supplier calls us back: `${PUBLIC_API_URL}/api/v1/supplier-callbacks/<supplierId>`. */
export function callbackUrlOf(supplierId: string, publicApiUrl = requireEnv(PUBLIC_API_URL_ENV)): string {
  return `${publicApiUrl.replace(/\/+$/, '')}/api/v1/supplier-callbacks/${supplierId}`;
}

export function purchaseOrderWebhookOf(po: PoRecord, callbackUrl: string): PurchaseOrderWebhook {
  return purchaseOrderWebhookSchema.parse({
    type: 'purchase_order.created',
    version: 1,
    data: {
      purchaseOrderId: po.id,
      supplierId: po.supplierId,
      lines: po.lines.map(({ sku, supplierSku, quantity, unitCost }) => ({
        sku,
        supplierSku,
        quantity,
        unitCost,
      })),
      total: po.total,
      currency: po.total.currency,
      deliverTo: { locationId: po.locationId },
      expectedBy: po.expectedBy,
      callbackUrl,
    },
  });
}

/** When a PO was cancelled: its CANCELLED history entry. */
const cancelledAtOf = (po: PoRecord): string =>
  po.history.findLast((h) => h.status === 'CANCELLED')?.at ?? po.updatedAt;

export function cancellationWebhookOf(po: PoRecord): PurchaseOrderCancelledWebhook {
  return purchaseOrderCancelledWebhookSchema.parse({
    type: 'purchase_order.cancelled',
    version: 1,
    data: {
      purchaseOrderId: po.id,
      supplierId: po.supplierId,
      reason: (po.reason ?? 'cancelled').slice(0, 500),
      cancelledAt: cancelledAtOf(po),
    },
  });
}

/**
 * Sends a purchase order (or its cancellation) to its supplier's webhook, signed per Standard Webhooks with the
 * supplier's secret (and its previous one, during a rotation's grace). What the answer means for the saga: 2xx delivered; 5xx, 408, 429, a timeout
 * or a refused connection → SupplierUnavailable (retried with backoff); 410 → the webhook is
 * disabled and SupplierGone; any other answer → SupplierRefused (no retry: the fallback).
 */
export class SignedWebhookSender implements PurchaseOrderSender {
  constructor(
    private readonly directory: SupplierDirectory,
    private readonly secrets: Pick<WebhookSecrets, 'signing' | 'verifying'>,
    private readonly options: { timeoutMs?: number; publicApiUrl?: () => string; now?: () => Date } = {},
  ) {}

  /**
   * The current secret and, while it is in its grace after a rotation, the previous one: Standard
   * Webhooks' zero-downtime rotation puts one signature per secret in `webhook-signature`
   * (space-separated), so a supplier still verifying with the old secret accepts the PO too.
   */
  private async signingSecrets(supplierId: string): Promise<string[]> {
    const secrets = await this.secrets.verifying(supplierId);
    return secrets.length ? secrets : [await this.secrets.signing(supplierId)];
  }

  async deliver(po: PoRecord): Promise<void> {
    const supplier = await this.reachable(po.supplierId);
    const publicApiUrl = this.options.publicApiUrl?.() ?? requireEnv(PUBLIC_API_URL_ENV);
    const body = JSON.stringify(purchaseOrderWebhookOf(po, callbackUrlOf(supplier.id, publicApiUrl)));
    await this.post(supplier, webhookIdOf(po.id), body);
  }

  async deliverCancellation(po: PoRecord): Promise<void> {
    const supplier = await this.reachable(po.supplierId);
    await this.post(supplier, cancellationWebhookIdOf(po.id), JSON.stringify(cancellationWebhookOf(po)));
  }

  private async reachable(supplierId: string) {
    const supplier = await this.directory.getSupplier(supplierId);
    if (!supplier) throw new SupplierRefused(`Supplier ${supplierId} does not exist`);
    if (!supplier.active) throw new SupplierRefused(`Supplier ${supplier.id} is inactive`);
    if (supplier.webhookStatus !== 'enabled') {
      throw new SupplierRefused(`The webhook of ${supplier.id} is disabled (it answered 410 Gone)`);
    }
    return supplier;
  }

  private async post(supplier: { id: string; webhookUrl: string }, id: string, body: string): Promise<void> {
    const at = this.options.now?.() ?? new Date();
    const signature = (await this.signingSecrets(supplier.id))
      .map((secret) => new Webhook(secret).sign(id, at, body))
      .join(' ');
    let response: Response;
    try {
      response = await fetch(supplier.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_HEADERS.id]: id,
          [WEBHOOK_HEADERS.timestamp]: String(Math.floor(at.getTime() / 1000)),
          [WEBHOOK_HEADERS.signature]: signature,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? WEBHOOK_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as Error).cause as { code?: string } | undefined;
      throw new SupplierUnavailable(
        `${supplier.id}'s webhook did not answer: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (cause?.code ?? (error as Error).message)}`,
        {},
        { cause: error },
      );
    }
    const text = (await response.text().catch(() => '')).slice(0, 200);
    const answered = `${supplier.id}'s webhook answered ${response.status}${text ? `: ${text}` : ''}`;
    if (response.ok) return;
    if (response.status === 410) {
      await this.directory.disableWebhook(supplier.id, answered);
      throw new SupplierGone(answered);
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw new SupplierUnavailable(answered);
    }
    throw new SupplierRefused(answered);
  }
}
