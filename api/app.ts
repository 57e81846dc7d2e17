import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { type ApiEnv, mapError, problem } from '../lib/http.ts';

/**
 * The public HTTP API as one document. In AWS each service's routes are served by that service's
 * own Lambda behind one API Gateway (so a function touches only its own table); locally one Node
 * server mounts them all. Either way the OpenAPI document is generated from the same zod schemas.
 */
export const API_INFO = {
  title: 'Azura Inventory API',
  version: '1.0.0',
  description:
    'Products, stock levels, the movement ledger, operations on stock, orders, suppliers, reorder rules, ' +
    'purchase orders, sign-in and users. Every /api/v1 route but sign-in and the supplier callbacks ' +
    '(authenticated by their Standard Webhooks signature, see docs/integration.md) needs `Authorization: Bearer <token>`. Errors are RFC 9457 ' +
    '`application/problem+json` with an `errors` list naming each invalid field. Every POST honours ' +
    'an `Idempotency-Key` header: the same key returns the first result and changes nothing.',
};

/** Every service's routes on one app: the local server (in AWS, API Gateway routes by prefix). */
export function composeApi(apps: readonly OpenAPIHono<ApiEnv>[]): OpenAPIHono<ApiEnv> {
  const root = new OpenAPIHono<ApiEnv>();
  for (const app of apps) root.route('/', app);
  root.notFound((c) => problem(c, 404, 'Not found', `No route for ${c.req.method} ${c.req.path}`));
  root.onError((error, c) => mapError(error, c));
  return root;
}

/**
 * The API's documentation: the OpenAPI 3.1 document generated from every service's routes, and
 * Swagger UI to read it. Served by its own small function in AWS (`docs` in api/service.ts).
 */
export function createDocsApi(serviceApps: readonly OpenAPIHono<ApiEnv>[]): OpenAPIHono<ApiEnv> {
  const generated = composeApi(serviceApps).getOpenAPI31Document({
    openapi: '3.1.0',
    info: API_INFO,
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
  });
  const document = {
    ...generated,
    components: {
      ...generated.components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
  const docs = new OpenAPIHono<ApiEnv>();
  docs.get('/api/openapi.json', (c) => c.json(document));
  docs.get('/api/docs', (c) => c.html(DOCS_PAGE));
  docs.get('/api/docs/assets/:file{[a-z0-9-]+\\.(js|css)}', async (c) => {
    const file = c.req.param('file');
    if (!SWAGGER_ASSETS.has(file)) return problem(c, 404, 'Not found', `No asset ${file}`);
    const body = await readFile(join(swaggerDir(), file));
    return c.body(body, 200, {
      'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript',
      'cache-control': 'public, max-age=86400',
    });
  });
  return docs;
}

const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']);
let swaggerDirCache: string | undefined;
const swaggerDir = (): string => {
  swaggerDirCache ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return swaggerDirCache;
};

/** Swagger UI served from our own origin (no CDN: it works offline and under a strict CSP). */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Azura Inventory API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
  </script>
</body>
</html>`;
