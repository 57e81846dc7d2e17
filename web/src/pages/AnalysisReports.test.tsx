import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { demoUser, fakeApi, problem, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import {
  abcReport,
  agingReport,
  reservationsReport,
  stockoutsReport,
  supplierPerformanceReport,
  turnoverReport,
  valuationReport,
} from '../test/reporting.fixtures.ts';

const csvReply = (name: string) =>
  new Response(`sku\r\nTEE-S\r\n`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}-2026-12-03.csv"`,
    },
  });

/** A report that answers CSV on `?format=csv`, else its fixture. */
const report =
  (name: string, body: () => object) =>
  ({ query }: { query: URLSearchParams }) =>
    query.get('format') === 'csv' ? csvReply(name) : { body: body() };

function analysisApi(extra: Parameters<typeof fakeApi>[0] = {}) {
  signedInAs(demoUser('manager'));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser('manager'),
    'GET /api/v1/locations': { items: [{ id: 'main', name: 'Main warehouse' }] },
    'GET /api/v1/reports/valuation': valuationReport(),
    'GET /api/v1/reports/turnover': report('turnover', turnoverReport),
    'GET /api/v1/reports/aging': ({ query }) =>
      query.get('format') === 'csv'
        ? csvReply('aging')
        : { body: agingReport({ days: Number(query.get('days') ?? 90) }) },
    'GET /api/v1/reports/abc': report('abc', abcReport),
    'GET /api/v1/reports/stockouts': report('stockouts', stockoutsReport),
    'GET /api/v1/reports/supplier-performance': report('supplier-performance', supplierPerformanceReport),
    'GET /api/v1/reports/reservations': report('reservations', reservationsReport),
    ...extra,
  });
}

function captureDownloads() {
  const saved: { download: string; href: string }[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ download: this.download, href: this.href });
  });
  return saved;
}

const statValue = (region: HTMLElement, label: string) =>
  within(region).getByText(label, { selector: '.stat-label' }).nextElementSibling?.textContent;

const rowOf = (table: HTMLElement, name: string) =>
  within(table).getByRole('rowheader', { name }).closest('tr') as HTMLElement;

describe('the analysis reports', () => {
  it('shows turnover, days of cover and sell-through per SKU, with the fastest-turning as a chart', async () => {
    // Prepare
    analysisApi();

    // Act
    renderApp('/reports?report=turnover');

    // Assess
    const section = await screen.findByRole('region', { name: 'Turnover' });
    const table = await within(section).findByRole('table', { name: 'Turnover per SKU' });
    expect(statValue(section, 'Turnover')).toBe('1.66×');
    expect(statValue(section, 'Cost of goods sold')).toBe('$477.00');
    const tee = rowOf(table, 'TEE-S');
    expect(
      within(tee)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['T-shirt S', 'apparel', '90', '$450.00', '30', '$150.00', '20', '3×', '20', '81.8%']);
    expect(rowOf(table, 'NEW-1').textContent).toContain('—');
    const chart = within(section).getByRole('table', { name: 'Turnover, the 2 fastest-turning SKUs' });
    expect(
      within(chart)
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.textContent),
    ).toEqual(['TEE-S3×20', 'MUG-10.2×400']);
    expect(screen.getByRole('link', { name: 'Turnover' }).getAttribute('aria-current')).toBe('page');
  });

  it('lists dead stock for the days chosen, kept in the address', async () => {
    // Prepare
    const api = analysisApi();
    const { user, location } = renderApp('/reports?report=aging&category=home');
    const section = await screen.findByRole('region', { name: 'Dead stock' });
    const table = await within(section).findByRole('table', { name: 'Idle stock per SKU, by value' });
    expect(rowOf(table, 'NEVER-1').textContent).toContain('Never');
    expect(statValue(section, 'Idle value at cost')).toBe('$375.00');
    expect(Object.fromEntries(api.to('GET', '/api/v1/reports/aging')[0]?.query ?? [])).toEqual({
      category: 'home',
      days: '90',
    });

    // Act
    await user.selectOptions(within(section).getByLabelText('Idle for at least'), '180');

    // Assess
    await waitFor(() => expect(api.to('GET', '/api/v1/reports/aging').at(-1)?.query.get('days')).toBe('180'));
    expect(location()).toBe('/reports?report=aging&category=home&days=180');
    expect(await within(section).findByText(/has not gone down for 180 days/)).toBeTruthy();
  });

  it('classifies SKUs A, B and C with badges and a Pareto chart of the cumulative share', async () => {
    // Prepare
    analysisApi();

    // Act
    renderApp('/reports?report=abc');

    // Assess
    const section = await screen.findByRole('region', { name: 'ABC classification' });
    const table = await within(section).findByRole('table', { name: 'ABC class per SKU' });
    expect(within(rowOf(table, 'TEE-S')).getByText('A').className).toBe('badge badge-success');
    expect(within(rowOf(table, 'MUG-1')).getByText('B').className).toBe('badge badge-warning');
    expect(within(rowOf(table, 'PEN-1')).getByText('C').className).toBe('badge badge-muted');
    expect(statValue(section, 'Class A')).toBe('1 SKUs');
    const pareto = within(section).getByRole('table', {
      name: 'Consumption value per SKU and cumulative share',
    });
    expect(
      within(pareto)
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.textContent),
    ).toEqual(['TEE-S$750.0075%A', 'MUG-1$180.0093%B', 'PEN-1$70.00100%C']);
    expect(section.querySelectorAll('.recharts-reference-line').length).toBe(2);
  });

  it('shows the fill rate and the stock-outs per SKU and location', async () => {
    // Prepare
    analysisApi();

    // Act
    renderApp('/reports?report=stockouts');

    // Assess
    const section = await screen.findByRole('region', { name: 'Stock-outs and fill rate' });
    await within(section).findByRole('table', { name: 'Stock-outs per SKU and location' });
    expect(statValue(section, 'Fill rate')).toBe('92%');
    expect(statValue(section, 'Units rejected')).toBe('16');
    const outs = within(section).getByRole('table', { name: 'Stock-outs per SKU and location' });
    expect(rowOf(outs, 'TEE-S').textContent).toBe('TEE-ST-shirt Smain25Out');
    const fill = within(section).getByRole('table', { name: 'Fill rate per SKU' });
    expect(rowOf(fill, 'TEE-S').textContent).toContain('86.7%');
    expect(rowOf(fill, 'MUG-1').textContent).toContain('100%');
  });

  it('compares the lead time observed with the one promised, per supplier', async () => {
    // Prepare
    analysisApi();

    // Act
    renderApp('/reports?report=suppliers');

    // Assess
    const section = await screen.findByRole('region', { name: 'Supplier performance' });
    const table = await within(section).findByRole('table', { name: 'Performance per supplier' });
    expect(
      within(rowOf(table, 'Acme Textiles'))
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['6', '1', '5', '600', '540', '90%', '6.5 days', '5 days', '1.5 days slower', '60%']);
    expect(rowOf(table, 'sup-bolt').textContent).toContain('—');
  });

  it('charts reservation expiries and rejects per day, and lists them per SKU', async () => {
    // Prepare
    analysisApi();

    // Act
    renderApp('/reports?report=reservations');

    // Assess
    const section = await screen.findByRole('region', { name: 'Reservations' });
    const chart = await within(section).findByRole('table', { name: 'Expiries and rejects per day' });
    const rows = within(chart).getAllByRole('row');
    expect(rows).toHaveLength(8);
    expect(rows.at(-1)?.textContent).toBe('Dec 330');
    expect(rows.at(-2)?.textContent).toBe('Dec 202');
    expect(statValue(section, 'Expired reservations')).toBe('3');
    const bySku = within(section).getByRole('table', { name: 'Expiries and rejects per SKU' });
    expect(rowOf(bySku, 'TEE-S').textContent).toBe('TEE-ST-shirt S3524');
  });

  it.each([
    ['turnover', 'Turnover', 'turnover'],
    ['aging', 'Dead stock', 'aging'],
    ['abc', 'ABC classification', 'abc'],
    ['stockouts', 'Stock-outs and fill rate', 'stockouts'],
    ['suppliers', 'Supplier performance', 'supplier-performance'],
    ['reservations', 'Reservations', 'reservations'],
  ])('downloads the %s report as CSV with the filters', async (tab, title, path) => {
    // Prepare
    const api = analysisApi();
    const saved = captureDownloads();
    const { user } = renderApp(`/reports?report=${tab}&sku=TEE-S`);
    const section = await screen.findByRole('region', { name: title });

    // Act
    await user.click(within(section).getByRole('button', { name: `Download CSV: ${title}` }));

    // Assess
    await waitFor(() => expect(saved).toHaveLength(1));
    const call = api.to('GET', `/api/v1/reports/${path}`).find((c) => c.query.get('format') === 'csv');
    expect(Object.fromEntries(call?.query ?? [])).toEqual({
      sku: 'TEE-S',
      format: 'csv',
      ...(tab === 'aging' ? { days: '90' } : {}),
    });
    expect(call?.headers.get('authorization')).toBe('Bearer token-user-manager');
    expect(saved[0]?.download).toBe(`${path}-2026-12-03.csv`);
  });

  it('says a report is not available when the server answers 404, and keeps the filters across tabs', async () => {
    // Prepare
    const api = analysisApi({ 'GET /api/v1/reports/abc': problem(404, 'Not found') });
    const { user, location } = renderApp('/reports?report=abc&category=apparel');
    const section = await screen.findByRole('region', { name: 'ABC classification' });
    expect(await within(section).findByText(/The ABC report is not available yet/)).toBeTruthy();

    // Act
    await user.click(
      within(screen.getByRole('navigation', { name: 'Reports' })).getByRole('link', { name: 'Turnover' }),
    );

    // Assess
    await screen.findByRole('region', { name: 'Turnover' });
    expect(location()).toBe('/reports?report=turnover&category=apparel');
    await waitFor(() =>
      expect(api.to('GET', '/api/v1/reports/turnover').at(-1)?.query.get('category')).toBe('apparel'),
    );
  });
});
