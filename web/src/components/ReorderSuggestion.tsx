import { useState } from 'react';
import { products, reorderSuggestions } from '../api/endpoints.ts';
import type { LeadTimeSource, ReorderSuggestion } from '../api/types.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { can } from '../auth/permissions.ts';
import { formatNumber } from '../lib/format.ts';
import { useResource } from '../lib/hooks.ts';
import { formatDays, formatDecimal, isNotFound } from './ReportParts.tsx';
import { useToast } from './Toasts.tsx';
import { LoadError, Loading } from './ui.tsx';

/** Reorder suggestions from the demand forecasts: their words, and accepting one. */

export const SERVICE_LEVELS = [0.9, 0.95, 0.98, 0.99] as const;
export const DEFAULT_SERVICE_LEVEL = 0.95;

export const LEAD_TIME_SOURCE_WORDS: Record<LeadTimeSource, string> = {
  sku: 'its receipts',
  supplier: 'its supplier’s receipts',
  default: 'default, no receipt yet',
};

/** "7 days (its receipts)". */
export const leadTimeWords = (s: Pick<ReorderSuggestion, 'leadTimeDays' | 'leadTimeSource'>): string =>
  `${formatDays(s.leadTimeDays)} (${LEAD_TIME_SOURCE_WORDS[s.leadTimeSource]})`;

/** "+12" / "−3" / "0". */
export const signed = (n: number): string =>
  n > 0 ? `+${formatNumber(n)}` : n < 0 ? `−${formatNumber(-n)}` : '0';

/** Why the suggested reorder point is what it is, in a sentence. */
export function suggestionWhy(s: ReorderSuggestion): string {
  return `About ${formatDecimal(s.demandOverLeadTime)} units are expected over a lead time of ${leadTimeWords(s)}, plus ${formatDecimal(s.safetyStock)} of safety stock for the forecast’s error (z ${s.z.toFixed(2)} × σ ${formatDecimal(s.sigma)} × √lead time), rounded up. Forecast by ${s.method}.`;
}

/** Whether the signed-in user may accept suggestions (set a product's reorder point). */
export function useMayAccept(): boolean {
  const { user } = useAuth();
  return can(user, 'thresholds:edit') && can(user, 'products:edit');
}

/** Sets the product's reorder point to the suggested one. */
export function AcceptButton({
  suggestion,
  onAccepted,
}: {
  suggestion: ReorderSuggestion;
  onAccepted(): void;
}) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const accept = async () => {
    setBusy(true);
    try {
      await products.update(suggestion.sku, { reorderPoint: suggestion.suggestedReorderPoint });
      toast.success(
        `Reorder point of ${suggestion.sku} set to ${formatNumber(suggestion.suggestedReorderPoint)}`,
      );
      onAccepted();
    } catch (e) {
      toast.error(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className="button button-primary button-small"
      onClick={() => void accept()}
      disabled={busy || suggestion.difference === 0}
      aria-label={`Accept ${formatNumber(suggestion.suggestedReorderPoint)} as the reorder point of ${suggestion.sku}`}
    >
      {busy ? 'Saving…' : 'Accept'}
    </button>
  );
}

/** The product page's suggestion: current vs suggested, why, and Accept (nothing without history). */
export function SuggestionCard({ sku, onAccepted }: { sku: string; onAccepted?: () => void }) {
  const suggestion = useResource(() => reorderSuggestions.get(sku), [sku]);
  const mayAccept = useMayAccept();
  const s = suggestion.data;
  if (isNotFound(suggestion.error) && !s) return null;
  return (
    <section className="card" aria-labelledby="suggestion-title">
      <h2 id="suggestion-title">Suggested reorder point</h2>
      {suggestion.error && !s ? (
        <LoadError error={suggestion.error} retry={() => void suggestion.reload()} />
      ) : null}
      {suggestion.loading && !s ? <Loading label="Loading the suggestion…" /> : null}
      {s ? (
        <>
          <dl className="forecast-facts">
            <div>
              <dt>Current</dt>
              <dd>{formatNumber(s.currentReorderPoint)}</dd>
            </div>
            <div>
              <dt>Suggested</dt>
              <dd>
                <strong>{formatNumber(s.suggestedReorderPoint)}</strong> ({signed(s.difference)})
              </dd>
            </div>
            <div>
              <dt>Days of cover</dt>
              <dd>
                {s.daysOfCover === null
                  ? '—'
                  : `${formatDays(s.daysOfCover)} at ${formatDecimal(s.dailyDemand)} a day`}
              </dd>
            </div>
            <div>
              <dt>Lead time</dt>
              <dd>{leadTimeWords(s)}</dd>
            </div>
          </dl>
          <p className="muted">{suggestionWhy(s)}</p>
          {s.difference === 0 ? (
            <p>The current reorder point is the suggested one.</p>
          ) : mayAccept ? (
            <AcceptButton
              suggestion={s}
              onAccepted={() => {
                void suggestion.reload();
                onAccepted?.();
              }}
            />
          ) : null}
        </>
      ) : null}
    </section>
  );
}
