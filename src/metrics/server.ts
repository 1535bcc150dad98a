/** The live metrics endpoint: GET /metrics in Prometheus text format, on loopback unless told otherwise. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Soak } from '../commands/run.js';
import { errors } from '../errors.js';
import { SoakMetrics } from './prometheus.js';

export const DEFAULT_METRICS_HOST = '127.0.0.1';
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsServer {
  /** `http://127.0.0.1:9464/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/** Whether a host name or address reaches this machine only (a non-loopback one exposes the metrics to the network). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Listens before the run starts, so a port in use is bad input (exit 2) rather than a failed run. */
export function serveMetrics(soak: Soak, options: { readonly port: number; readonly host?: string }): Promise<MetricsServer> {
  const host = options.host ?? DEFAULT_METRICS_HOST;
  const metrics = new SoakMetrics(soak);
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('soak serves its metrics at /metrics\n');
      return;
    }
    const body = metrics.render();
    response.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(errors.metricsListen(host, options.port, err.code ?? err.message)));
    server.listen(options.port, host, () => {
      const { port } = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${port}/metrics`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
