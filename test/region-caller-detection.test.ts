// Issue 4, opt-in caller-region detection: the plugin's background IMDSv2 lookup against loopback
// servers, with the real SDK calling s3rver over HTTPS. Success, slow (the call does not wait), absent.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CALLER_REGION,
  ATTR_REGION_MISMATCH,
  ATTR_SERVER_PORT,
  SPAN_TCP_CONNECT,
} from '@wirescope/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { isolateEnv } from './support/env.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, parentOf, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'caller-detection';
const ENV_KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'ECS_CONTAINER_METADATA_URI_V4',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_EC2_METADATA_DISABLED',
];
const metadataServers: http.Server[] = [];
const s3 = useS3Fixture(BUCKET, tracing);
isolateEnv(ENV_KEYS);

afterEach(async () => {
  for (const server of metadataServers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  diag.disable();
});

interface FakeImds {
  endpoint: string;
  port: number;
  /** Requests received, as `METHOD /path`. */
  received: string[];
}

/** An IMDSv2 look-alike; `holdMs` delays every answer (a slow metadata service). */
async function startFakeImds(region: string, holdMs = 0): Promise<FakeImds> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    const answer = () => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('T0KEN');
      if (
        req.url === '/latest/meta-data/placement/region' &&
        req.headers['x-aws-ec2-metadata-token'] === 'T0KEN'
      ) {
        res.end(region);
        return;
      }
      res.writeHead(404).end();
    };
    if (holdMs > 0) setTimeout(answer, holdMs).unref();
    else answer();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  metadataServers.push(server);
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, port, received };
}

async function put(plugin: ReturnType<typeof wirescope>, region = 'us-west-2') {
  const client = createS3Client(s3.server.endpoint, { region });
  client.middlewareStack.use(plugin);
  const started = performance.now();
  try {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'hello' }));
  } finally {
    client.destroy();
  }
  const elapsedMs = performance.now() - started;
  const operations = spansNamed(tracing.spans(), 'S3.PutObject');
  const op = operations[operations.length - 1]!;
  return { op, elapsedMs };
}

/** Records every diag message; `reached` resolves at the first one that includes `text`. */
function logUntil(text: string): { log: string[]; reached: Promise<void> } {
  const log: string[] = [];
  const reached = new Promise<void>((resolve) => {
    // A component logger passes its namespace first (`@wirescope/aws-sdk`, then the message).
    const record = (...args: unknown[]) => {
      const message = args.map(String).join(' ');
      log.push(message);
      if (message.includes(text)) resolve();
    };
    diag.setLogger(
      { debug: record, info: record, warn: record, error: record, verbose: record },
      DiagLogLevel.DEBUG,
    );
  });
  return { log, reached };
}

describe('detectCallerRegion (IMDSv2 on loopback, real SDK on s3rver)', () => {
  it('success: calls after the lookup carry the detected caller region (and its mismatch)', async () => {
    const imds = await startFakeImds('eu-central-1');
    // The plugin reports the finished lookup through diag: wait for that, not for a guessed delay.
    const { reached: detected } = logUntil('caller region eu-central-1');
    const plugin = wirescope({
      tracerProvider: tracing.provider,
      detectCallerRegion: { endpoint: imds.endpoint },
    });
    await detected;
    const { op } = await put(plugin);
    expect(attr(op, ATTR_CALLER_REGION)).toBe('eu-central-1');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    // The lookup is the plugin's own traffic: no attempt, no connection span records it.
    const spans = tracing.spans();
    expect(spans.filter((span) => attr(span, ATTR_SERVER_PORT) === imds.port)).toEqual([]);
    // One connection was opened under the call (to s3rver); the lookup's two are nowhere.
    expect(spansNamed(spans, SPAN_TCP_CONNECT)).toHaveLength(1);
    for (const tcp of spansNamed(spans, SPAN_TCP_CONNECT)) {
      expect(parentOf(spans, tcp)?.name).toBe('S3.PutObject attempt');
    }
    expect(imds.received).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/placement/region']);
    // Once per process and endpoint: a second plugin asks no more.
    wirescope({ tracerProvider: tracing.provider, detectCallerRegion: { endpoint: imds.endpoint } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(imds.received).toHaveLength(2);
  });

  it('slow: the call does not wait for the lookup and lacks the caller region; the lookup gives up', async () => {
    const imds = await startFakeImds('eu-central-1', 10_000);
    const { log, reached: gaveUp } = logUntil('gave no region');
    const plugin = wirescope({
      tracerProvider: tracing.provider,
      detectCallerRegion: { endpoint: imds.endpoint, timeoutMs: 2_000 },
    });
    const { op, elapsedMs } = await put(plugin);
    // Order, not timing: the call finished while the lookup was still waiting for its first answer.
    expect(log.filter((message) => message.includes('gave no region'))).toEqual([]);
    expect(imds.received).toEqual(['PUT /latest/api/token']);
    expect(elapsedMs).toBeLessThan(10_000);
    expect(attr(op, ATTR_CALLER_REGION)).toBeUndefined();
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
    // The lookup gives up at its timeout (well before the server would answer) and is over for good:
    // later calls still lack the region, and nothing is asked again.
    const started = performance.now();
    await gaveUp;
    expect(performance.now() - started).toBeLessThan(8_000);
    const later = await put(plugin);
    expect(attr(later.op, ATTR_CALLER_REGION)).toBeUndefined();
    expect(imds.received).toEqual(['PUT /latest/api/token']);
  });

  it('absent: a refused connection leaves the caller region unknown and the call unharmed', async () => {
    const probe = http.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const { log, reached: gaveUp } = logUntil('gave no region');
    const started = performance.now();
    const plugin = wirescope({
      tracerProvider: tracing.provider,
      detectCallerRegion: { endpoint: `http://127.0.0.1:${port}`, timeoutMs: 10_000 },
    });
    // Refused at once, long before the 10 s budget; logged at debug level, never thrown or warned.
    await gaveUp;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(log.join('\n')).toMatch(/ECONNREFUSED/);
    const { op } = await put(plugin);
    expect(attr(op, ATTR_CALLER_REGION)).toBeUndefined();
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
  });

  it('the environment wins: with AWS_REGION set no lookup is made', async () => {
    process.env['AWS_REGION'] = 'us-west-2';
    const imds = await startFakeImds('eu-central-1');
    const plugin = wirescope({
      tracerProvider: tracing.provider,
      detectCallerRegion: { endpoint: imds.endpoint },
    });
    const { op } = await put(plugin);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(imds.received).toEqual([]);
    expect(attr(op, ATTR_CALLER_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
  });
});
