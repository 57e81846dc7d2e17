import { Link, useSearchParams } from 'react-router';
import { reorderSuggestions } from '../api/endpoints.ts';
import type { ReorderSuggestion } from '../api/types.ts';
import { Freshness } from '../components/Freshness.tsx';
import { PurchasingNav } from '../components/Layout.tsx';
import {
  AcceptButton,
  DEFAULT_SERVICE_LEVEL,
  LEAD_TIME_SOURCE_WORDS,
  SERVICE_LEVELS,
  signed,
  useMayAccept,
} from '../components/ReorderSuggestion.tsx';
import {
  type Column,
  CsvButton,
  formatDays,
  formatDecimal,
  formatPercent,
  ReportState,
  ReportTable,
} from '../components/ReportParts.tsx';
import { PageHeader } from '../components/ui.tsx';
import { formatNumber } from '../lib/format.ts';
import { useResource, useTitle } from '../lib/hooks.ts';

function serviceLevelOf(params: URLSearchParams): number {
  const level = Number(params.get('serviceLevel'));
  return Number.isFinite(level) && level >= 0.5 && level <= 0.999 ? level : DEFAULT_SERVICE_LEVEL;
}

/** The SKUs whose forecast-based reorder point differs from the current one; managers accept them. */
export default function ReorderSuggestions() {
  useTitle('Reorder suggestions');
  const [params, setParams] = useSearchParams();
  const serviceLevel = serviceLevelOf(params);
  const filters = { serviceLevel };
  const list = useResource(() => reorderSuggestions.list(filters), [serviceLevel]);
  const mayAccept = useMayAccept();
  const data = list.data;
  const setServiceLevel = (next: number) => {
    const out = new URLSearchParams(params);
    if (next === DEFAULT_SERVICE_LEVEL) out.delete('serviceLevel');
    else out.set('serviceLevel', String(next));
    setParams(out, { replace: true });
  };
  const levels = (SERVICE_LEVELS as readonly number[]).includes(serviceLevel)
    ? SERVICE_LEVELS
    : [...SERVICE_LEVELS, serviceLevel].sort();

  const columns: Column<ReorderSuggestion>[] = [
    {
      header: 'SKU',
      cell: (s) => (
        <Link to={`/products/${encodeURIComponent(s.sku)}`} className="mono">
          {s.sku}
        </Link>
      ),
    },
    { header: 'Name', cell: (s) => s.name },
    { header: 'Current', numeric: true, cell: (s) => formatNumber(s.currentReorderPoint) },
    {
      header: 'Suggested',
      numeric: true,
      cell: (s) => <strong>{formatNumber(s.suggestedReorderPoint)}</strong>,
    },
    { header: 'Change', numeric: true, cell: (s) => signed(s.difference) },
    { header: 'Demand over lead time', numeric: true, cell: (s) => formatDecimal(s.demandOverLeadTime) },
    { header: 'Safety stock', numeric: true, cell: (s) => formatDecimal(s.safetyStock) },
    { header: 'Lead time', numeric: true, cell: (s) => formatDays(s.leadTimeDays) },
    { header: 'Lead time from', cell: (s) => LEAD_TIME_SOURCE_WORDS[s.leadTimeSource] },
    { header: 'Available', numeric: true, cell: (s) => formatNumber(s.available) },
    { header: 'Days of cover', numeric: true, cell: (s) => formatDecimal(s.daysOfCover) },
    ...(mayAccept
      ? [
          {
            header: 'Action',
            cell: (s: ReorderSuggestion) => (
              <AcceptButton suggestion={s} onAccepted={() => void list.reload()} />
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader title="Reorder suggestions">
        <CsvButton
          load={() => reorderSuggestions.csv(filters)}
          name="reorder-suggestions"
          label="Reorder suggestions"
        />
      </PageHeader>
      <PurchasingNav />
      <section className="card" aria-labelledby="suggestions-title">
        <h2 id="suggestions-title">Suggested reorder points</h2>
        <p className="muted">
          From each SKU’s demand forecast: the demand expected over its lead time plus the safety stock for
          the service level, where that differs from the reorder point set now. Largest change first.
        </p>
        <div className="field field-inline">
          <label htmlFor="service-level">Service level</label>
          <select
            id="service-level"
            value={serviceLevel}
            onChange={(e) => setServiceLevel(Number(e.target.value))}
            aria-describedby="service-level-hint"
          >
            {levels.map((l) => (
              <option key={l} value={l}>
                {formatPercent(l)}
              </option>
            ))}
          </select>
          <small id="service-level-hint" className="field-hint">
            The chance of no stock-out over a lead time
          </small>
        </div>
        <ReportState resource={list} label="reorder suggestions" />
        {data ? (
          <>
            <Freshness dataAsOf={data.dataAsOf} lagSeconds={data.lagSeconds} />
            {data.rows.length === 0 ? (
              <p className="muted">Every reorder point matches its forecast at this service level.</p>
            ) : (
              <ReportTable
                caption={`Reorder suggestions at a ${formatPercent(data.serviceLevel)} service level`}
                columns={columns}
                rows={data.rows}
                rowKey={(s) => s.sku}
              />
            )}
          </>
        ) : null}
      </section>
    </>
  );
}
