/**
 * One server of the fleet (a child process of fleet.ts): the example service on the shared
 * registry file, which its file source watches, exporting its per-variant outcomes through the
 * OpenTelemetry SDK and the Prometheus exporter, as docs/fleet.md sets it up.
 *
 * argv: <registry file> <seed>. Over IPC it says `ready` with its two ports, takes
 * `{ type: 'canary-error-rate', rate }` (the injected regression) and `{ type: 'stop' }`, and exits
 * when the parent goes away.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { otelMetrics } from 'modelflags';
import { createFlagsFromFile, createInferenceServer } from '../src/server.js';
import { flakyModels, seededRandom } from '../simulation.js';

export type ToWorker = { type: 'canary-error-rate'; rate: number } | { type: 'stop' };
export type FromWorker = { type: 'ready'; chatPort: number; metricsPort: number } | { type: 'canary-error-rate' };

const [registryPath, seed] = process.argv.slice(2);
if (registryPath === undefined || !process.send) throw new Error('worker.ts is started by fleet.ts, with IPC');
const send = (message: FromWorker): void => void process.send?.(message);

// In production the exporter listens on its fixed port (9464). Four workers on one machine each
// need their own, so the exporter's handler is served on a port the system picks.
const exporter = new PrometheusExporter({ preventServerStart: true });
const provider = new MeterProvider({ readers: [exporter] });
metrics.setGlobalMeterProvider(provider);

const flags = createFlagsFromFile(registryPath);
flags.on('error', (e) => console.error(`worker ${process.pid}: flags error: ${e.message}`));
const telemetry = otelMetrics(flags);
const models = flakyModels(seededRandom(Number(seed)));

const listen = async (server: Server): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
};
const chat = createInferenceServer(flags, { complete: models.client });
const metricsServer = createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
send({ type: 'ready', chatPort: await listen(chat), metricsPort: await listen(metricsServer) });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  chat.closeAllConnections();
  metricsServer.closeAllConnections();
  chat.close();
  metricsServer.close();
  telemetry.close();
  flags.close();
  await provider.shutdown();
  if (process.connected) process.disconnect();
  process.exit(0);
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'canary-error-rate') {
    models.failing.canaryErrorRate = message.rate;
    send({ type: 'canary-error-rate' });
  } else if (message.type === 'stop') void stop();
});
// The parent exited (or was killed) without asking: no worker outlives it.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
