import { parseArgs } from 'node:util';
import type { DemoOptions } from './types.js';

/** The `--help` text. */
export const USAGE = `wirescope demo: the field problems on embedded local servers, their findings and what each fix saves.

usage: npm run demo -- [options]

  --quick                 fewer calls per scenario (about 30 s)
  --out DIR               output folder for trace.jsonl and report.html (default ./wirescope-out)
  --only ID[,ID…]         run only these scenarios (healthy, churn, stale, expect-continue,
                          cross-region, redirect, pool, hot-prefix, slow-handshake, fetch-fin,
                          unread-body, continue-timer, hang)
  --aws                   run against AWS instead of the local stand-ins (needs credentials in the
                          usual places and --bucket / --bucket-region, or WIRESCOPE_DEMO_BUCKET and
                          WIRESCOPE_DEMO_BUCKET_REGION)
  --bucket NAME           AWS mode: an existing bucket you may write to (objects under wirescope-demo/)
  --bucket-region REGION  AWS mode: the bucket's region
  --caller-region REGION  AWS mode: where this process runs (default AWS_REGION, else the bucket's)
  --stale-wait-ms N       AWS mode: spacing of the stale-connection calls (default 0: skipped; S3
                          drops idle sockets after ~5-20 s, try 25000)
  -h, --help              this text

OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_EXPORTER_OTLP_* variables) also send the spans to an
OTLP/HTTP endpoint: Jaeger, Honeycomb, a collector.`;

/** Parses flags; returns `help` or the options, or throws an Error with a message for bad usage. */
export function parseDemoArgs(argv: string[], env: NodeJS.ProcessEnv): DemoOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: 'wirescope-out' },
      only: { type: 'string' },
      aws: { type: 'boolean', default: false },
      bucket: { type: 'string' },
      'bucket-region': { type: 'string' },
      'caller-region': { type: 'string' },
      'stale-wait-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const options: DemoOptions = {
    quick: values.quick === true,
    outDir: values.out as string,
    only: values.only ? values.only.split(',').map((s) => s.trim()) : [],
  };
  const bucket = values.bucket ?? env.WIRESCOPE_DEMO_BUCKET;
  if (values.aws || values.bucket) {
    const bucketRegion = values['bucket-region'] ?? env.WIRESCOPE_DEMO_BUCKET_REGION;
    if (!bucket || !bucketRegion) {
      throw new Error(
        '--aws needs --bucket NAME and --bucket-region REGION (or WIRESCOPE_DEMO_BUCKET[_REGION])',
      );
    }
    const staleWaitMs = Number(values['stale-wait-ms'] ?? 0);
    if (!Number.isFinite(staleWaitMs) || staleWaitMs < 0)
      throw new Error('--stale-wait-ms wants a number ≥ 0');
    options.aws = {
      bucket,
      bucketRegion,
      callerRegion: values['caller-region'] || env.AWS_REGION || env.AWS_DEFAULT_REGION || bucketRegion,
      staleWaitMs,
    };
  }
  return options;
}
