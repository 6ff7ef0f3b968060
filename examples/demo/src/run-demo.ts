import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { analyze, formatHtml, formatText, wireSpanFromReadable } from '@wirescope/analyzer';
import { toOtlpJsonLines } from '../../../test/support/trace-formats.js';
import { p50, type RunRecord } from './latency-table.js';
import { type LocalWorld, startLocalWorld } from './local-world.js';
import { createProgress } from './progress.js';
import { rttMs } from './rtt.js';
import { formatScenarioDetails, formatSummaryTable, type HostNamer } from './scenario-report.js';
import { buildScenarios, FAR_REGION, HOME_REGION } from './scenarios.js';
import { createDemoTracing, otlpRequested } from './tracing.js';
import type { DemoOptions, RunContext } from './types.js';

const LOCAL_BUCKET = 'wirescope-demo';
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  // fetch says only "fetch failed": the reason is in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${text} (${errorText(cause)})` : text;
}

/** Names the local stand-ins' ports in a finding's text; the port numbers alone say nothing. */
function hostNamer(world: LocalWorld | undefined): HostNamer {
  if (!world) return (text) => text;
  return (text) =>
    text.replace(
      /\blocalhost:(\d+)\b/g,
      (whole, port: string) => world.portLabels.get(Number(port)) ?? whole,
    );
}

/** The spans of each run, by `service.instance.id`. */
function spansByInstance(spans: readonly ReadableSpan[]): Map<string, ReadableSpan[]> {
  const byInstance = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const instance = String(span.resource.attributes['service.instance.id']);
    const list = byInstance.get(instance);
    if (list) list.push(span);
    else byInstance.set(instance, [span]);
  }
  return byInstance;
}

/** Runs the scenarios, prints findings and latencies, writes the trace and the report. Returns the exit code. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const started = performance.now();
  const out = process.stdout;
  const progress = createProgress();
  let world: LocalWorld | undefined;
  if (options.aws) {
    const a = options.aws;
    out.write(
      `wirescope demo against AWS: bucket ${a.bucket} in ${a.bucketRegion}, code in ${a.callerRegion}\n\n`,
    );
  } else {
    world = await startLocalWorld();
    await world.createBucket(LOCAL_BUCKET);
    const rtt = rttMs(HOME_REGION, FAR_REGION);
    out.write(
      'wirescope demo on local stand-ins (no AWS account needed)\n' +
        `  S3 is s3rver over HTTPS; each region a latency proxy in front of it ("the us-west-2 stand-in")\n` +
        `  the code runs in ${HOME_REGION}; ${FAR_REGION} is ${ms(rtt)} away (CloudPing p50), ${HOME_REGION} ${ms(rttMs(HOME_REGION, HOME_REGION))}\n\n`,
    );
  }
  const tracing = createDemoTracing('wirescope-demo');
  const runs: RunRecord[] = [];
  const notes = new Map<string, string>();
  try {
    const all = await buildScenarios(options.quick, world, options.aws);
    const unknown = options.only.filter((id) => !all.some((s) => s.id === id));
    if (unknown.length > 0) {
      process.stderr.write(
        `demo: unknown scenario ${unknown.join(', ')} (have ${all.map((s) => s.id).join(', ')})\n`,
      );
      return 2;
    }
    const scenarios = options.only.length > 0 ? all.filter((s) => options.only.includes(s.id)) : all;
    const bucket = options.aws?.bucket ?? LOCAL_BUCKET;
    process.stderr.write('running scenarios (before → after the fix):\n');
    for (const scenario of scenarios) {
      if (scenario.noAfterReason) notes.set(scenario.id, scenario.noAfterReason);
      const name = scenario.id.padEnd(16);
      const line = progress.add(`  … ${name} ${scenario.title}`);
      const summary: string[] = [];
      for (const variant of ['before', 'after'] as const) {
        const v = variant === 'before' ? scenario.before : scenario.after;
        if (!v) continue;
        const instance = `${scenario.id}/${variant}`;
        const run = tracing.forRun(instance, {
          'wirescope.demo.scenario': scenario.id,
          'wirescope.demo.variant': variant,
        });
        const record: RunRecord = {
          scenario: scenario.id,
          variant,
          label: v.label,
          latenciesMs: [],
          instance,
          failedCalls: 0,
          findings: [],
        };
        runs.push(record);
        const context: RunContext = {
          tracerProvider: run.provider,
          calls: scenario.calls,
          bucket,
          async timed(fn) {
            const t0 = performance.now();
            try {
              return await fn();
            } catch (error) {
              if (!v.failuresExpected) throw error;
              record.failedCalls++;
              return undefined;
            } finally {
              record.latenciesMs.push(performance.now() - t0);
              progress.update(
                line,
                `  … ${name} ${variant} ${record.latenciesMs.length}/${scenario.calls} calls, last ${ms(performance.now() - t0)}`,
              );
            }
          },
        };
        try {
          await run.inRootSpan(`demo ${scenario.id} (${variant})`, () => v.run(context));
          const failed = record.failedCalls > 0 ? ` (${record.failedCalls} calls failed)` : '';
          summary.push(`${variant} p50 ${ms(p50(record.latenciesMs))}${failed}`);
        } catch (error) {
          record.error = errorText(error);
          summary.push(`${variant} FAILED`);
        }
      }
      const failed = runs.some((r) => r.scenario === scenario.id && r.error);
      progress.done(line, `  ${failed ? '✗' : '✓'} ${name} ${summary.join(' → ')}`);
    }

    const spans = tracing.spans();
    // Each run analyzed on its own spans: its findings are that run's, whatever the other runs did.
    const byInstance = spansByInstance(spans);
    for (const run of runs) {
      const own = byInstance.get(run.instance) ?? [];
      run.findings = (await analyze(own.map((span) => wireSpanFromReadable(span)))).findings;
    }
    const names = hostNamer(world);
    out.write(`${formatSummaryTable(scenarios, runs)}\n`);
    out.write(
      "\n(cost: the analyzer's estimate for that finding in the run, all calls together; p50: measured per call)\n",
    );
    out.write(`${formatScenarioDetails(scenarios, runs, notes, names)}\n`);
    const result = await analyze(spans.map((span) => wireSpanFromReadable(span)));

    const outDir = resolve(options.outDir);
    mkdirSync(outDir, { recursive: true });
    const traceFile = resolve(outDir, 'trace.jsonl');
    const reportFile = resolve(outDir, 'report.html');
    const textFile = resolve(outDir, 'report.txt');
    writeFileSync(traceFile, toOtlpJsonLines(spans));
    writeFileSync(reportFile, formatHtml(result, { title: 'wirescope demo' }));
    writeFileSync(textFile, formatText(result));
    out.write(`\nwrote ${traceFile}  (OTLP JSON Lines: wirescope analyze reads it)\n`);
    out.write(`wrote ${reportFile}  (open it in a browser)\n`);
    out.write(`wrote ${textFile}  (the analyzer's text report of all runs together, with evidence)\n`);
    if (otlpRequested()) out.write('spans also sent to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT\n');
    out.write(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const failures = runs.filter((r) => r.error);
    for (const f of failures) process.stderr.write(`demo: ${f.scenario} (${f.variant}) failed: ${f.error}\n`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await tracing.shutdown();
    await world?.close();
  }
}
