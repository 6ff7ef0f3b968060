// One service of the fleet test (issue 14), run as its own process the way a deployed service runs:
// `node --conditions=@wirescope/source --import tsx test/metrics/fleet-workload.ts '<json config>'`.
// It registers a global MeterProvider whose reader is @opentelemetry/exporter-prometheus on a port
// of its own (127.0.0.1), with `service.name` on its resource, puts the wirescope plugin on its S3
// clients and makes S3 calls against the local s3rver. The shape of its calls is its `kind`:
// - churn: a new S3Client (so a new agent and a new connection) for every call, destroyed after it;
// - healthy: one S3Client for every call (the SDK's keep-alive agent: one connection);
// - xregion: one S3Client for another region than the caller's (`callerRegion`), its endpoint the
//   latency proxy in front of s3rver, so its handshakes take a cross-region round trip.
// No tracer provider is registered: metrics must count calls whose spans nobody records.
//
// Protocol on stdio, one JSON object a line on stdout:
//   {"event":"listening","port":N}  the exporter serves /metrics;
//   stdin "go\n"                     start the calls (the parent waits for Prometheus's first scrape);
//   {"event":"done","calls":N,"errors":E}  every call made (N includes the CreateBucket);
// then it keeps serving /metrics until stdin ends or SIGTERM, and exits 0.
import { once } from 'node:events';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { wirescope } from '@wirescope/aws-sdk';
import { createS3Client } from '../support/clients.js';

/** What the parent passes as the one argument (JSON). */
export interface WorkloadConfig {
  service: string;
  kind: 'churn' | 'healthy' | 'xregion';
  /** The S3 endpoint: s3rver, or the latency proxy in front of it. */
  endpoint: string;
  /** The client's (signing) region. */
  region: string;
  /** The plugin's `callerRegion`: where this service runs. */
  callerRegion: string;
  /** Object calls after the CreateBucket (PutObject and GetObject alternating). */
  calls: number;
  /** Pause between calls, ms: spreads the calls over several scrapes. */
  intervalMs: number;
}

const config = JSON.parse(process.argv[2] ?? '') as WorkloadConfig;

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** A port free on 127.0.0.1 now (the exporter takes a port number, not 0 and a callback with the port). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function startExporter(): Promise<{ exporter: PrometheusExporter; port: number }> {
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const exporter = new PrometheusExporter({ host: '127.0.0.1', port, preventServerStart: true });
    try {
      await exporter.startServer();
      return { exporter, port };
    } catch (error) {
      if (tries >= 4) throw error;
    }
  }
}

function newClient(): S3Client {
  const client = createS3Client(config.endpoint, { region: config.region, maxAttempts: 1 });
  client.middlewareStack.use(wirescope({ callerRegion: config.callerRegion }));
  return client;
}

async function oneCall(client: S3Client, i: number): Promise<void> {
  const Bucket = config.service;
  if (i % 2 === 0) {
    await client.send(new PutObjectCommand({ Bucket, Key: 'object', Body: `payload ${i}` }));
  } else {
    const got = await client.send(new GetObjectCommand({ Bucket, Key: 'object' }));
    await got.Body?.transformToString();
  }
}

async function run(): Promise<{ calls: number; errors: number }> {
  let calls = 0;
  let errors = 0;
  const shared = config.kind === 'churn' ? undefined : newClient();
  const call = async (make: (client: S3Client) => Promise<unknown>) => {
    const client = shared ?? newClient();
    calls++;
    try {
      await make(client);
    } catch (error) {
      errors++;
      process.stderr.write(`${config.service}: ${(error as Error).name}: ${(error as Error).message}\n`);
    } finally {
      if (!shared) client.destroy();
    }
  };
  await call((client) => client.send(new CreateBucketCommand({ Bucket: config.service })));
  for (let i = 0; i < config.calls; i++) {
    await new Promise((resolve) => setTimeout(resolve, config.intervalMs));
    await call((client) => oneCall(client, i));
  }
  shared?.destroy();
  return { calls, errors };
}

async function main(): Promise<void> {
  const { exporter, port } = await startExporter();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': config.service }),
    readers: [exporter],
  });
  metrics.setGlobalMeterProvider(provider);

  const stop = async () => {
    await provider.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());

  emit({ event: 'listening', port });
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => void stop());
  for await (const line of lines) {
    if (line.trim() !== 'go') continue;
    emit({ event: 'done', ...(await run()) });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${config.service}: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
