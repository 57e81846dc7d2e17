import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * fauxqs has no bucket CORS configuration, so a browser on the dashboard's origin could not PUT
 * a presigned upload to it. This small pass-through in front of it answers CORS the way the
 * images bucket's CORS rule does in AWS (infra/), and forwards everything else untouched.
 */
export async function startCorsProxy(
  target: string,
  port: number,
): Promise<{ address: string; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET,PUT,POST,HEAD,DELETE',
    'access-control-allow-headers': '*',
    'access-control-expose-headers': 'ETag',
    'access-control-max-age': '600',
  };
  const server: Server = createServer((req, res) => {
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, cors).end();
      return;
    }
    const forward = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(req.headers.origin ? cors : {}) });
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
