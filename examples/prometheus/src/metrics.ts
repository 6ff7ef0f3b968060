// The metrics half of the set-up: a MeterProvider whose reader is the Prometheus exporter, serving
// `GET /metrics` on its own port for Prometheus to scrape (see ../prometheus.yml). `service.name` goes
// on the resource, which the exporter serves as `target_info{service_name=...}`; Prometheus labels
// every series of the scrape with the job name, so name the job after the service.
import { once } from 'node:events';
import net from 'node:net';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** What {@link startMetrics} started. */
export interface Metrics {
  meterProvider: MeterProvider;
  /** Where the exporter serves, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  /** Flushes nothing (Prometheus pulls) and stops the exporter's server. */
  shutdown(): Promise<void>;
}

/** A port free on `host` now (for `port: 0`: the exporter takes a number and does not say which it got). */
async function freePort(host: string): Promise<number> {
  const server = net.createServer().listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts the exporter on `host:port` and registers the MeterProvider globally. */
export async function startMetrics(options: {
  serviceName: string;
  port: number;
  host?: string;
}): Promise<Metrics> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 ? await freePort(host) : options.port;
  const exporter = new PrometheusExporter({ host, port, preventServerStart: true });
  await exporter.startServer();
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    readers: [exporter],
  });
  // Global, so every instrumentation finds it, as NodeSDK's `metricReader` option would do.
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    meterProvider,
    url: `http://${host}:${port}/metrics`,
    shutdown: () => meterProvider.shutdown(),
  };
}
