import { Webhook } from 'standardwebhooks';
import { block, json, schemaOf } from '../../api/markdown.ts';
import { ValidationError } from '../../lib/errors.ts';
import { SEND_RETRY } from '../../workflows/replenishment-saga.ts';
import {
  callbackResultSchema,
  FINAL_PO_STATUSES,
  purchaseOrderCancelledWebhookSchema,
  purchaseOrderWebhookSchema,
  SECRET_GRACE_SECONDS,
  supplierCallbackSchema,
  WEBHOOK_HEADERS,
  WEBHOOK_TOLERANCE_SECONDS,
} from './contract.ts';

/**
 * The supplier integration guide (the second part of docs/integration.md), generated from the zod
 * schemas of services/replenishment/contract.ts and the saga's retry policy, so it cannot drift
 * from the code (a test regenerates it and compares). `npm run docs` writes it
 * (api/integration-doc.ts).
 */

const SUPPLIER = 'acme-textiles';
const PO = 'PO-01JF3Q8Z6W2M4YB1V0X9K7T5RD';
const CALLBACK_PATH = `/api/v1/supplier-callbacks/${SUPPLIER}`;

export const PURCHASE_ORDER_EXAMPLE = purchaseOrderWebhookSchema.parse({
  type: 'purchase_order.created',
  version: 1,
  data: {
    purchaseOrderId: PO,
    supplierId: SUPPLIER,
    lines: [
      {
        sku: 'TSHIRT-BLUE-L',
        supplierSku: 'ACME-TS-BL-L',
        quantity: 108,
        unitCost: { amount: 650, currency: 'USD' },
      },
      {
        sku: 'TSHIRT-BLUE-M',
        supplierSku: 'ACME-TS-BL-M',
        quantity: 120,
        unitCost: { amount: 590, currency: 'USD' },
      },
    ],
    total: { amount: 141_000, currency: 'USD' },
    currency: 'USD',
    deliverTo: { locationId: 'main' },
    expectedBy: '2026-05-09T10:15:00.000Z',
    callbackUrl: `https://inventory.azura.example${CALLBACK_PATH}`,
  },
});

export const CANCELLATION_EXAMPLE = purchaseOrderCancelledWebhookSchema.parse({
  type: 'purchase_order.cancelled',
  version: 1,
  data: {
    purchaseOrderId: PO,
    supplierId: SUPPLIER,
    reason: 'found elsewhere',
    cancelledAt: '2026-05-03T14:20:00.000Z',
  },
});

const callbacks = [
  {
    title: 'Acknowledged',
    what: 'You accept the order. `supplierReference` is your order number (we show it to staff); `expectedDeliveryDate` (a date, or a date-time with offset) replaces our `expectedBy`.',
    example: supplierCallbackSchema.parse({
      type: 'purchase_order.acknowledged',
      purchaseOrderId: PO,
      supplierReference: 'SO-77812',
      expectedDeliveryDate: '2026-05-08',
    }),
  },
  {
    title: 'Rejected',
    what: 'You cannot fill the order. Say why in `reason`: staff see it, and we order from the fallback supplier if there is one.',
    example: supplierCallbackSchema.parse({
      type: 'purchase_order.rejected',
      purchaseOrderId: PO,
      reason: 'TSHIRT-BLUE-L discontinued',
    }),
  },
  {
    title: 'Shipped',
    what: 'The goods are on their way, with what is in the shipment. It counts as an acknowledgement if none came before. The warehouse books what actually arrives.',
    example: supplierCallbackSchema.parse({
      type: 'purchase_order.shipped',
      purchaseOrderId: PO,
      supplierReference: 'SO-77812',
      expectedDeliveryDate: '2026-05-07',
      lines: [
        { sku: 'TSHIRT-BLUE-L', quantity: 108 },
        { sku: 'TSHIRT-BLUE-M', quantity: 120 },
      ],
    }),
  },
];

/**
 * A worked example anyone can check an implementation against: a fixed secret, id, timestamp and
 * body, and the signature `standardwebhooks` computes for them.
 */
export const TEST_VECTOR = (() => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = `msg_${PO}`;
  const timestamp = 1_778_148_900;
  const body = JSON.stringify({
    type: 'purchase_order.acknowledged',
    purchaseOrderId: PO,
    supplierReference: 'SO-77812',
  });
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return { secret, id, timestamp, body, signature };
})();

/** The waits between our tries, capped as Step Functions caps them (before the full jitter). */
export function retryWaits(): number[] {
  const { maxAttempts = 3, intervalSeconds = 1, backoffRate = 2, maxDelaySeconds } = SEND_RETRY;
  return Array.from({ length: maxAttempts }, (_, i) => {
    const wait = intervalSeconds * backoffRate ** i;
    return maxDelaySeconds ? Math.min(wait, maxDelaySeconds) : wait;
  });
}

const TYPESCRIPT_VERIFY = `import { Webhook } from 'standardwebhooks'; // npm install standardwebhooks

const webhook = new Webhook(process.env.AZURA_WEBHOOK_SECRET!); // whsec_...

// With any framework: take the RAW body, before any JSON parsing.
export function verifyPurchaseOrder(rawBody: string, headers: Record<string, string>) {
  // Throws WebhookVerificationError for a missing header, a wrong signature, or a timestamp
  // more than 5 minutes off (constant-time comparison inside). Answer 401 then.
  return webhook.verify(rawBody, headers) as { type: string; data: { purchaseOrderId: string } };
}

// Calling us back: sign with the same secret, a new id per message.
export async function acknowledge(callbackUrl: string, purchaseOrderId: string, reference: string) {
  const id = \`ack_\${purchaseOrderId}\`; // the same message sent again keeps its id
  const now = new Date();
  const body = JSON.stringify({ type: 'purchase_order.acknowledged', purchaseOrderId, supplierReference: reference });
  const res = await fetch(callbackUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': webhook.sign(id, now, body),
    },
    body,
  });
  if (res.status >= 500) throw new Error(\`retry later: \${res.status}\`);
  return res.json();
}`;

const PYTHON_VERIFY = `# pip install standardwebhooks
import os
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

webhook = Webhook(os.environ["AZURA_WEBHOOK_SECRET"])  # whsec_...

def verify_purchase_order(raw_body: bytes, headers: dict) -> dict:
    """raw_body: the request body exactly as received. Raises WebhookVerificationError
    (answer 401) for a missing header, a wrong signature, or a timestamp more than
    5 minutes off; the comparison is constant-time."""
    return webhook.verify(raw_body, {k.lower(): v for k, v in headers.items()})`;

const GO_VERIFY = `package azura

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const tolerance = 5 * time.Minute

// Verify checks a webhook with the standard library only. secret is "whsec_..."; body is the raw
// request body (read it once, verify, then parse it).
func Verify(secret string, header http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id := header.Get("webhook-id")
	ts := header.Get("webhook-timestamp")
	signatures := header.Get("webhook-signature")
	if id == "" || ts == "" || signatures == "" {
		return errors.New("missing webhook headers")
	}
	seconds, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad webhook-timestamp")
	}
	if d := time.Since(time.Unix(seconds, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook-timestamp more than 5 minutes off")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	expected := []byte(base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	// The header may carry several space-separated signatures ("v1,<base64>"): one must match.
	for _, versioned := range strings.Split(signatures, " ") {
		version, signature, found := strings.Cut(versioned, ",")
		if found && version == "v1" && hmac.Equal([]byte(signature), expected) { // constant time
			return nil
		}
	}
	return errors.New("no matching signature")
}`;

/** The 400 our API answers a callback with a wrong purchase order id and no type, as lib/http.ts builds it. */
function invalidCallbackProblem() {
  const parsed = supplierCallbackSchema.safeParse({ purchaseOrderId: '01JF3Q8Z6W2M4YB1V0X9K7T5RD' });
  if (parsed.success) throw new Error('the invalid example callback parsed');
  const { errors, message } = ValidationError.fromZod(parsed.error);
  return {
    type: 'https://azura.example/problems/invalid-request',
    title: 'Invalid request',
    status: 400,
    detail: message,
    errors,
  };
}

export function renderSupplierIntegrationDoc(): string {
  const waits = retryWaits();
  const tries = waits.length + 1;
  const h = WEBHOOK_HEADERS;
  const lines: string[] = [
    '# Integrating a supplier',
    '',
    '<!-- Generated by `npm run docs` (api/integration-doc.ts) from services/replenishment/contract.ts. Do not edit. -->',
    '',
    'When stock runs low we raise a purchase order and POST it to your webhook; you call us back to',
    'acknowledge it, reject it, or say it shipped. Both directions follow the',
    '[Standard Webhooks](https://www.standardwebhooks.com) specification: three headers, an HMAC-SHA256',
    'signature with a secret we share with you, a timestamp against replays, and an id to de-duplicate on.',
    'Libraries exist for most languages (`standardwebhooks` on npm, PyPI, crates.io, Go, Java, PHP, Ruby, C#).',
    '',
    '## Your account with us',
    '',
    '- **Supplier id**, e.g. `acme-textiles`: chosen when a manager creates you; part of your callback URL.',
    '- **Webhook URL**: where we POST purchase orders (https).',
    '- **Signing secret** `whsec_<base64>`: generated when you are created and shown once to the manager',
    '  who created you, who hands it to you over a safe channel. We never show it again: a lost secret is',
    '  replaced by rotating it (below). Keep it out of logs and source control.',
    '',
    '## Purchase orders we send',
    '',
    '`POST <your webhook URL>` with `content-type: application/json` and these headers:',
    '',
    '| header | value |',
    '|---|---|',
    `| \`${h.id}\` | \`msg_<purchaseOrderId>\`: the same on every retry and reminder of a purchase order. De-duplicate on it. |`,
    `| \`${h.timestamp}\` | when this attempt was signed, in Unix seconds |`,
    `| \`${h.signature}\` | \`v1,<base64 of HMAC-SHA256(key, "<${h.id}>.<${h.timestamp}>.<body>")>\`; the key is the base64-decoded part of the secret after \`whsec_\`. It may hold several space-separated signatures: accept the message if one matches. |`,
    '',
    'Answer with any **2xx** as soon as you have stored the order (within 10 seconds: we give up on an',
    'attempt after that), and process it afterwards. The answer body is ignored. `data.callbackUrl` is',
    'where to call us back about this order: use it as given.',
    '',
    'Example:',
    '',
    ...block('json', json(PURCHASE_ORDER_EXAMPLE)),
    '',
    'Money is in integer minor units (`650` USD is $6.50); `sku` is ours, `supplierSku` yours. `total` is',
    'what the lines add up to, and `expectedBy` the delivery date we expect from your lead time.',
    '',
    'JSON Schema:',
    '',
    ...block('json', schemaOf(purchaseOrderWebhookSchema)),
    '',
    '## Cancellations we send',
    '',
    'When our staff cancel a purchase order you already have (sent, acknowledged, or partly delivered),',
    'we POST `purchase_order.cancelled` to the same webhook, with the same headers and signature; only',
    `\`${h.id}\` differs: \`msg_<purchaseOrderId>_cancelled\`, the same on every retry. Stop working on the`,
    'order (nothing more of it will be received) and answer 2xx; there is nothing to call back. We retry',
    'it as we retry a purchase order (below); when the tries are spent, or you answer a 4xx, the order',
    'stays cancelled on our side and our staff see that you were not told.',
    '',
    'Example:',
    '',
    ...block('json', json(CANCELLATION_EXAMPLE)),
    '',
    'JSON Schema:',
    '',
    ...block('json', schemaOf(purchaseOrderCancelledWebhookSchema)),
    '',
    '## Verifying a signature',
    '',
    'Verify every request before you act on it, and answer **401** when it does not verify:',
    '',
    '1. Take the raw body, byte for byte as received. Parsing and re-serializing the JSON changes it.',
    `2. Refuse a \`${h.timestamp}\` more than ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes away from your clock (a replayed old message).`,
    `3. Compute \`HMAC-SHA256(key, "<${h.id}>.<${h.timestamp}>.<body>")\`, base64-encode it, and compare it with`,
    '   each `v1,` signature of the header in **constant time** (never `==` on strings).',
    `4. Process each \`${h.id}\` once: a second delivery of an id you have processed is answered 2xx again.`,
    '',
    '### TypeScript (`standardwebhooks`)',
    '',
    ...block('ts', TYPESCRIPT_VERIFY),
    '',
    '### Python (`standardwebhooks`)',
    '',
    ...block('python', PYTHON_VERIFY),
    '',
    '### Go (standard library only)',
    '',
    ...block('go', GO_VERIFY),
    '',
    '### Check your implementation',
    '',
    'With this secret, id, timestamp and body (the body is exactly the bytes shown, with no newline at',
    'the end), a correct implementation computes the signature below. Your timestamp check refuses it',
    'today, of course: test the signature with that check switched off.',
    '',
    '| | |',
    '|---|---|',
    `| secret | \`${TEST_VECTOR.secret}\` |`,
    `| \`${h.id}\` | \`${TEST_VECTOR.id}\` |`,
    `| \`${h.timestamp}\` | \`${TEST_VECTOR.timestamp}\` |`,
    `| body | \`${TEST_VECTOR.body}\` |`,
    `| \`${h.signature}\` | \`${TEST_VECTOR.signature}\` |`,
    '',
    '## When your webhook does not answer',
    '',
    `We try each purchase order up to ${tries} times: the first attempt, then ${waits.length} retries with`,
    'exponential backoff and full jitter (each wait is drawn at random between 0 and its cap):',
    '',
    '| retry | waits at most |',
    '|---|---|',
    ...waits.map((w, i) => `| ${i + 1} | ${w} s |`),
    '',
    '| your answer | what we do |',
    '|---|---|',
    '| 2xx | sent: we wait for your callback |',
    '| 5xx, no answer within 10 s, connection refused | retry as above; when the tries are spent, the purchase order goes to our fallback supplier for those goods, or fails and our staff are alerted |',
    '| 410 Gone | we disable your webhook and stop sending you purchase orders until our staff set its URL again; this order goes to the fallback supplier |',
    '| any other 4xx | no retry: the order goes to the fallback supplier, or fails and our staff are alerted |',
    '',
    '**Reminders.** If we have no acknowledgement a day after sending (the `REPLENISHMENT_ACK_WAIT_SECONDS`',
    `setting), we send the same purchase order again with the same \`${h.id}\`, then alert our staff.`,
    'Answer a reminder 2xx, do not create a second order, and send your acknowledgement again: we may',
    'not have received it.',
    '',
    '## Calling us back',
    '',
    `\`POST ${CALLBACK_PATH.replace(SUPPLIER, '{supplierId}')}\` on our API (the \`callbackUrl\` of the purchase order), with`,
    '`content-type: application/json` and the same three headers, signed the same way with the same secret.',
    `Give each message its own \`${h.id}\` (and keep it when you send that message again): we apply each id`,
    'once. The route is authenticated by the signature alone: no other credentials.',
    '',
    'The usual sequence is `acknowledged`, then `shipped`; `shipped` alone acknowledges too; `rejected`',
    'comes instead of both. Send a message again whenever you are unsure it arrived: it is safe.',
    '',
  ];
  for (const c of callbacks) {
    lines.push(`### ${c.title}`, '', c.what, '', ...block('json', json(c.example)), '');
  }
  lines.push(
    'JSON Schema of a callback:',
    '',
    ...block('json', schemaOf(supplierCallbackSchema)),
    '',
    '### Our answers',
    '',
    '| status | when | what to do |',
    '|---|---|---|',
    `| 200 | applied, or a \`${h.id}\` we had applied already (\`duplicate: true\`: nothing changed) | done |`,
    '| 400 | the body does not match the schema; `errors` names each field | fix the message |',
    `| 401 | missing or wrong signature, a timestamp more than ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes off, an unknown supplier id, or a purchase order that is unknown or not yours | check the secret, your clock and the URL; nothing changed |`,
    `| 409 | the purchase order is already final (${FINAL_PO_STATUSES.join(', ')}) | nothing to do; tell our buyer if that is a surprise |`,
    '| 5xx | our side failed | retry with backoff, same id |',
    '',
    'A 200 answer:',
    '',
    ...block(
      'json',
      json(callbackResultSchema.parse({ purchaseOrderId: PO, status: 'ACKNOWLEDGED', duplicate: false })),
    ),
    '',
    'Errors are RFC 9457 `application/problem+json`, for example:',
    '',
    ...block('json', json(invalidCallbackProblem())),
    '',
    '## Rotating the secret',
    '',
    'An admin rotates your secret (`POST /api/v1/suppliers/{id}/rotate-secret`) when you ask, when it may',
    'have leaked, or on a schedule. The new secret is shown once and handed to you like the first.',
    '',
    `- Your callbacks signed with the **previous** secret keep verifying for ${SECRET_GRACE_SECONDS / 3600} h, so you can switch without a gap.`,
    `- For the same ${SECRET_GRACE_SECONDS / 3600} h, purchase orders we send carry **two** signatures in \`webhook-signature\`,`,
    '  space-separated (`v1,<with the new secret> v1,<with the previous one>`), as Standard Webhooks',
    '  provides for rotation: a message is genuine when any one of them verifies with the secret you hold',
    '  (the `standardwebhooks` libraries do this), so it verifies before and after you switch.',
    '',
    '## Trying it locally',
    '',
    '`npm start` runs a supplier simulator on `http://127.0.0.1:3100` (`SUPPLIER_SIM_PORT`): the demo',
    'suppliers point their webhooks at it. It verifies each purchase order as described above, answers, and',
    'calls back signed after a delay; `GET http://127.0.0.1:3100/deliveries` lists what it received (headers,',
    'body, whether the signature verified) and `GET /callbacks` what it sent and what we answered.',
    '`PUT /suppliers/<id>/rules` with e.g. `{"respondStatus": 503}` takes a supplier down (others:',
    '`failureRate`, `rejectSkus`, `ackDelayMs`, `ship`, `shipDelayMs`, `silent`). Its code',
    '(`local/supplier-simulator.ts`) is a small working example of both sides of this guide.',
  );
  return `${lines.join('\n').trimEnd()}\n`;
}
