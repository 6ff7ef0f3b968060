// The recipes of packages/analyzer/README.md ("Writing spans for the analyzer") against a local S3:
// the OTLP JSON Lines file exporter as the `next` of AnalyzerSpanProcessor, a client per request (so
// there is something to find), then the live analysis and `wirescope analyze` of the file must agree.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { context, trace } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { type AnalysisResult, AnalyzerSpanProcessor, createAnalysis } from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import { main } from '@wirescope/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { OtlpJsonLinesFileExporter } from './support/otlp-json-lines-exporter.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';

const README = fileURLToPath(new URL('../packages/analyzer/README.md', import.meta.url));
const RECIPE = fileURLToPath(new URL('./support/otlp-json-lines-exporter.ts', import.meta.url));
const BUCKET = 'span-recipes';
const CALLS = 4;

let server: S3ServerHandle;
let dir: string;
let traceFile: string;
let live: AnalysisResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wirescope-recipes-'));
  traceFile = join(dir, 'traces.jsonl');
  server = await startS3Server();
  const setup = createS3Client(server.endpoint);
  await createTestBucket(setup, BUCKET);
  setup.destroy();

  // Recipe 3 with recipe 2 as `next`, as the README shows it.
  const analysis = createAnalysis({ callerRegion: 'us-east-1' });
  const provider = new NodeTracerProvider({
    spanProcessors: [
      new AnalyzerSpanProcessor({
        next: new BatchSpanProcessor(new OtlpJsonLinesFileExporter(traceFile)),
        onSpan: (span) => analysis.add(span),
      }),
    ],
  });
  provider.register();
  try {
    for (let i = 0; i < CALLS; i++) {
      // A client per request: every call pays a new connection (connection-churn).
      const s3 = createS3Client(server.endpoint);
      s3.middlewareStack.use(wirescope());
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `k${i}.txt`, Body: 'hello' }));
      s3.destroy();
    }
  } finally {
    await provider.shutdown();
    trace.disable();
    context.disable();
  }
  live = analysis.finish();
});

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function analyzeFile(): Promise<{ code: number; report: AnalysisResult }> {
  let stdout = '';
  const code = await main(['analyze', traceFile, '--format', 'json', '--caller-region', 'us-east-1'], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: () => true },
    stdin: Readable.from([]),
    env: {},
  });
  return { code, report: JSON.parse(stdout) as AnalysisResult };
}

describe('writing spans for the analyzer (packages/analyzer/README.md)', () => {
  it('the README shows the exporter this test runs, verbatim', () => {
    const recipe = readFileSync(RECIPE, 'utf8').split('// recipe:start\n')[1]?.split('// recipe:end')[0];
    expect(recipe?.trim()).toBeTruthy();
    expect(readFileSync(README, 'utf8')).toContain(recipe?.trim());
  });

  it('AnalyzerSpanProcessor judges the calls live', () => {
    expect(live.stats.operations).toBe(CALLS);
    expect(live.stats.spanCountsByName['tls.handshake']).toBe(CALLS);
    expect(live.findings.map((f) => f.code)).toContain('connection-churn');
  });

  it('the exporter writes OTLP JSON Lines that `wirescope analyze` reads to the same findings', async () => {
    const lines = readFileSync(traceFile, 'utf8').trimEnd().split('\n');
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('resourceSpans');
    const { code, report } = await analyzeFile();
    expect(code).toBe(0);
    expect(report.stats.operations).toBe(CALLS);
    expect(report.stats.spanCountsByName).toEqual(live.stats.spanCountsByName);
    expect(report.findings.map((f) => f.code).sort()).toEqual(live.findings.map((f) => f.code).sort());
  });
});
