// Test-only helpers (excluded from the build): small OTLP inputs of wirescope spans.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from './main.js';

type OtlpValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };

function value(v: string | number | boolean): OtlpValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { intValue: String(v) };
  return { boolValue: v };
}

function attributes(record: Record<string, string | number | boolean>): { key: string; value: OtlpValue }[] {
  return Object.entries(record).map(([key, v]) => ({ key, value: value(v) }));
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status: Record<string, never>;
}

const BASE_NS = 1_750_000_000_000_000_000n;

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

function span(
  id: number,
  trace: number,
  name: string,
  startMs: number,
  durationMs: number,
  attrs: Record<string, string | number | boolean>,
  parent?: number,
): OtlpSpan {
  const start = BASE_NS + BigInt(Math.round(startMs * 1e6));
  return {
    traceId: hex(trace, 32),
    spanId: hex(id, 16),
    ...(parent !== undefined ? { parentSpanId: hex(parent, 16) } : {}),
    name,
    kind: parent === undefined ? 3 : 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + BigInt(Math.round(durationMs * 1e6))),
    attributes: attributes(attrs),
    status: {},
  };
}

/**
 * `count` S3.PutObject calls, one per trace (ids from `firstTrace` on), each on a new TLS connection
 * (dns.lookup, tcp.connect, tls.handshake under its single attempt): `count` tls.handshake spans in
 * all. Same-region timings (a 2 ms connect), so churn is the problem, not the distance.
 */
export function putObjectsOnNewConnections(count: number, firstTrace = 1): OtlpSpan[][] {
  const traces: OtlpSpan[][] = [];
  for (let i = 0; i < count; i++) {
    const trace = firstTrace + i;
    const op = trace * 100;
    const attempt = op + 1;
    const at = (trace - 1) * 1000;
    traces.push([
      span(op, trace, 'S3.PutObject', at, 300, {
        'rpc.system': 'aws-api',
        'rpc.service': 'S3',
        'rpc.method': 'PutObject',
        'cloud.region': 'us-west-2',
        'aws.s3.bucket': 'wirescope-test',
        'wirescope.attempts': 1,
      }),
      span(
        attempt,
        trace,
        'S3.PutObject attempt',
        at + 1,
        38,
        {
          'wirescope.attempt': 1,
          'wirescope.connection.reused': false,
          'wirescope.connection.id': `c1-${trace}`,
          'server.address': 'wirescope-test.s3.us-west-2.amazonaws.com',
          'server.port': 443,
          'network.peer.address': '52.218.1.1',
          'http.request.method': 'PUT',
          'http.response.status_code': 200,
          'tls.protocol.version': '1.3',
          'tls.resumed': false,
        },
        op,
      ),
      span(op + 2, trace, 'dns.lookup', at + 1, 1, {}, attempt),
      span(op + 3, trace, 'tcp.connect', at + 2, 2, {}, attempt),
      span(op + 4, trace, 'tls.handshake', at + 4, 5, { 'tls.protocol.version': '1.3' }, attempt),
    ]);
  }
  return traces;
}

function envelope(spans: OtlpSpan[]): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': 'cli-test' }) },
        scopeSpans: [{ scope: { name: '@wirescope/aws-sdk' }, spans }],
      },
    ],
  };
}

/** One OTLP JSON document holding every span of `traces`. */
export function otlpJson(traces: OtlpSpan[][]): string {
  return JSON.stringify(envelope(traces.flat()), null, 2);
}

/** OTLP JSON Lines, one trace per line, as the collector's file exporter writes them. */
export function otlpJsonLines(traces: OtlpSpan[][]): string {
  return `${traces.map((spans) => JSON.stringify(envelope(spans))).join('\n')}\n`;
}

/** A fresh temp directory for one test file's inputs. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wirescope-cli-'));
}

/** Writes `text` to `dir/name` and returns the path. */
export function writeInput(dir: string, name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs the CLI's `main` with empty stdin, no terminal and no environment; returns its exit code and output. */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
    isTTY: {},
    env: {},
  });
  return { code, stdout, stderr };
}
