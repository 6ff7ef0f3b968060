/**
 * The configurations the benchmark compares. `otel-floor`: the provider and context manager of
 * `wirescope`, and a middleware that only starts and ends two empty spans per call (otel-floor-plugin.ts).
 * `wirescope-unsampled`: wirescope under a provider whose parent-based sampler drops every root span (a
 * call that production head sampling does not keep). `otel-provider`: the provider and context manager
 * alone, no instrumentation: the baseline of what the plugin adds to an app already set up for tracing.
 * `wirescope-metrics`: `wirescope` with an sdk-metrics MeterProvider whose reader never exports during the
 * run (issue 14): its difference from `wirescope` is what recording the metrics costs a call.
 */
export const CONFIGS = [
  'bare',
  'wirescope',
  'wirescope-metrics',
  'wirescope-unsampled',
  'wirescope-no-provider',
  'otel-provider',
  'otel-floor',
  'otel-contrib',
] as const;
/** One benchmark configuration. */
export type BenchConfig = (typeof CONFIGS)[number];
/** The SDK's two request handlers. */
export type BenchHandler = 'node' | 'fetch';

/** Arguments of one worker run. */
export interface RunArgs {
  config: BenchConfig;
  handler: BenchHandler;
  endpoint: string;
  /** PutObject+GetObject pairs measured. */
  pairs: number;
  /** Pairs run before measuring (JIT, connection pool). */
  warmupPairs: number;
  /** Calls in flight at once. */
  concurrency: number;
  bodyBytes: number;
}

/** What a worker prints (one JSON line). */
export interface RunResult {
  config: BenchConfig;
  handler: BenchHandler;
  protocol: 'http' | 'https';
  calls: number;
  callsPerSecond: number;
  cpuMicrosPerCall: number;
  /** V8 heap in use after the run and a forced GC. */
  heapMb: number;
  /** Spans exported per SDK call (0 for bare: proves each configuration records what it should). */
  spansPerCall: number;
}

/** Turns `RunArgs` into worker argv. */
export function toArgv(args: RunArgs): string[] {
  return Object.entries(args).map(([key, value]) => `--${key}=${value}`);
}

/** Parses worker argv (`--key=value`). */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const map = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([^=]+)=(.*)$/.exec(arg);
    if (match) map.set(match[1]!, match[2]!);
  }
  const config = map.get('config') as BenchConfig;
  if (!CONFIGS.includes(config)) throw new Error(`unknown --config=${config}`);
  const handler = map.get('handler') === 'fetch' ? 'fetch' : 'node';
  const endpoint = map.get('endpoint');
  if (!endpoint) throw new Error('--endpoint is required');
  const int = (key: string, fallback: number) => {
    const value = Number(map.get(key) ?? fallback);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    config,
    handler,
    endpoint,
    pairs: int('pairs', 1000),
    warmupPairs: int('warmupPairs', 200),
    concurrency: int('concurrency', 4),
    bodyBytes: int('bodyBytes', 1024),
  };
}

/** The value of `--name=value` among this process's arguments, else `fallback`. */
export function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
}
