import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { demoUser, fakeApi, problem, product, signedInAs } from '../test/fakeApi.ts';
import { renderApp } from '../test/render.tsx';
import { movementsReport, stockLevelsReport, valuationReport } from '../test/reporting.fixtures.ts';
import { inventoryCsv } from './Reports.tsx';

function reportingApi(extra: Parameters<typeof fakeApi>[0] = {}) {
  signedInAs(demoUser('manager'));
  return fakeApi({
    'GET /api/v1/auth/me': demoUser('manager'),
    'GET /api/v1/locations': {
      items: [
        { id: 'main', name: 'Main warehouse' },
        { id: 'store', name: 'Store' },
      ],
    },
    'GET /api/v1/reports/stock-levels': ({ query }) => ({
      body: stockLevelsReport({ asOf: query.get('to') }),
    }),
    'GET /api/v1/reports/movements': ({ query }) => ({
      body: movementsReport({ groupBy: (query.get('groupBy') ?? 'day') as 'day' }),
    }),
    'GET /api/v1/reports/valuation': valuationReport(),
    ...extra,
  });
}

/** What the page saved: the links it clicked (happy-dom would navigate to them otherwise). */
function captureDownloads() {
  const saved: { download: string; href: string }[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ download: this.download, href: this.href });
  });
  return saved;
}

describe('the reports page', () => {
  it('shows stock levels, movements and valuation, with products without cost flagged', async () => {
    // Prepare
    reportingApi();

    // Act
    renderApp('/reports');

    // Assess
    const levels = await screen.findByRole('region', { name: 'Stock levels' });
    await within(levels).findByText('As of now');
    const table = within(levels).getByRole('table', { name: 'Stock per SKU and location' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(levels).getByText(/1 low, 1 out/)).toBeTruthy();
    const movements = screen.getByRole('region', { name: 'Movements' });
    const byDay = await within(movements).findByRole('table', { name: 'Units in and out per day' });
    expect(within(byDay).getAllByRole('row')[1]?.textContent).toBe('Dec 120416');
    const valuation = screen.getByRole('region', { name: 'Valuation' });
    const stat = await within(valuation).findByText('Value at cost', { selector: '.stat-label' });
    expect(stat.nextElementSibling?.textContent).toBe('$1,500.00');
    expect(within(valuation).getByRole('note').textContent).toContain('1 product holds stock without a cost');
    expect(within(valuation).getByRole('link', { name: 'FREE-1' })).toBeTruthy();
    const byCategory = within(valuation).getByRole('table', { name: 'Value at cost by category' });
    expect(within(byCategory).getAllByRole('row')[1]?.textContent).toBe('apparel$1,000.00120');
  });

  it('sends the filters to every report, and the grouping to the movements report', async () => {
    // Prepare
    const api = reportingApi();
    const { user, location } = renderApp('/reports');
    const form = await screen.findByRole('form', { name: 'Report filters' });
    await within(form).findByRole('option', { name: 'Main warehouse' });

    // Act
    await user.type(within(form).getByLabelText('From'), '2026-11-01');
    await user.type(within(form).getByLabelText('To'), '2026-11-30');
    await user.type(within(form).getByLabelText('Category'), 'apparel');
    await user.selectOptions(within(form).getByLabelText('Location'), 'main');
    await user.type(within(form).getByLabelText('SKU'), 'tee-s');
    await user.click(within(form).getByRole('button', { name: 'Apply filters' }));

    // Assess
    const expected = {
      from: '2026-11-01',
      to: '2026-11-30',
      category: 'apparel',
      locationId: 'main',
      sku: 'TEE-S',
    };
    const last = (path: string) => Object.fromEntries(api.to('GET', path).at(-1)?.query ?? []);
    await waitFor(() => expect(last('/api/v1/reports/valuation')).toEqual(expected));
    expect(last('/api/v1/reports/stock-levels')).toEqual(expected);
    expect(last('/api/v1/reports/movements')).toEqual({ ...expected, groupBy: 'day' });
    expect(await screen.findByText('As of the end of Nov 30')).toBeTruthy();
    expect(location()).toBe(
      '/reports?from=2026-11-01&to=2026-11-30&category=apparel&locationId=main&sku=TEE-S',
    );

    // Act: group by week
    const movements = screen.getByRole('region', { name: 'Movements' });
    await user.click(within(movements).getByRole('radio', { name: 'Week' }));

    // Assess
    await waitFor(() => expect(last('/api/v1/reports/movements')).toEqual({ ...expected, groupBy: 'week' }));
    expect(await within(movements).findByRole('table', { name: 'Units in and out per week' })).toBeTruthy();
  });

  it('downloads a report as CSV with the bearer token, under the name the server gives', async () => {
    // Prepare
    const csv = 'group,inbound,outbound,net,movements\r\n2026-12-01,20,4,16,3\r\n';
    const api = reportingApi({
      'GET /api/v1/reports/movements': ({ query }) =>
        query.get('format') === 'csv'
          ? new Response(csv, {
              headers: {
                'content-type': 'text/csv; charset=utf-8',
                'content-disposition': 'attachment; filename="movements-2026-12-03.csv"',
              },
            })
          : { body: movementsReport() },
    });
    const saved = captureDownloads();
    const { user } = renderApp('/reports?sku=TEE-S&groupBy=month');
    const movements = await screen.findByRole('region', { name: 'Movements' });

    // Act
    await user.click(within(movements).getByRole('button', { name: 'Download CSV: Movements' }));

    // Assess
    await waitFor(() => expect(saved).toHaveLength(1));
    const call = api.to('GET', '/api/v1/reports/movements').find((c) => c.query.get('format') === 'csv');
    expect(Object.fromEntries(call?.query ?? [])).toEqual({ sku: 'TEE-S', groupBy: 'month', format: 'csv' });
    expect(call?.headers.get('authorization')).toBe('Bearer token-user-manager');
    expect(saved[0]?.download).toBe('movements-2026-12-03.csv');
    expect(saved[0]?.href).toMatch(/^blob:/);
    expect(await screen.findByText('Movements downloaded')).toBeTruthy();
  });

  it('keeps the figures worked out in the browser when the reporting service answers 404', async () => {
    // Prepare
    const api = reportingApi({
      'GET /api/v1/reports/stock-levels': problem(404, 'Not found'),
      'GET /api/v1/reports/movements': problem(404, 'Not found'),
      'GET /api/v1/reports/valuation': problem(404, 'Not found'),
      'GET /api/v1/reports/summary': problem(404, 'Not found'),
      'GET /api/v1/products': { items: [product()] },
      'GET /api/v1/orders': { items: [], nextCursor: null },
    });

    // Act
    renderApp('/reports');

    // Assess
    expect(
      await screen.findByText(/come with the reporting service, which is not available yet/),
    ).toBeTruthy();
    const levels = await screen.findByRole('region', { name: 'Stock levels and valuation' });
    await within(levels).findByText('$400.00');
    expect(api.to('GET', '/api/v1/reports/summary')).toHaveLength(0);
  });
});

describe('inventory CSV', () => {
  it('has one row per product with stock, price in major units and status, quoting where needed', () => {
    // Prepare
    const items = [
      product({
        sku: 'TEE-S',
        name: 'T-shirt, "slim"',
        stock: { onHand: 9, reserved: 2, available: 0, incoming: 5 },
      }),
    ];

    // Act
    const csv = inventoryCsv(items);

    // Assess
    expect(csv.split('\r\n')).toEqual([
      'SKU,Name,Category,On hand,Reserved,Available,Incoming,Price,Currency,Status',
      'TEE-S,"T-shirt, ""slim""",apparel,9,2,0,5,19.99,USD,Out of stock',
      '',
    ]);
  });
});
