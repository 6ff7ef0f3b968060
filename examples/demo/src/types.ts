import type { TracerProvider } from '@opentelemetry/api';
import type { Target } from './s3-client.js';

/** Demo options, from flags and environment. */
export interface DemoOptions {
  /** Fewer calls per scenario (the test suite's run). */
  quick: boolean;
  /** Output folder for the trace and the HTML report. */
  outDir: string;
  /** Only these scenario ids (default: all). */
  only: string[];
  /** Against AWS (a real bucket and credentials) instead of the local stand-ins. */
  aws?: AwsOptions;
}

/** What the AWS mode needs. */
export interface AwsOptions {
  bucket: string;
  /** The bucket's region. */
  bucketRegion: string;
  /** Where this process runs (default AWS_REGION, else the bucket's region). */
  callerRegion: string;
  /** Spacing of the stale-connection scenario's calls in ms (S3's idle cut-off is ~5–20 s); 0 skips it. */
  staleWaitMs: number;
}

/** What a variant gets to make its calls. */
export interface RunContext {
  tracerProvider: TracerProvider;
  /** Calls to make. */
  calls: number;
  /** Bucket to use. */
  bucket: string;
  /**
   * Times one call (one latency sample) and reports progress. When the variant expects failures, a
   * failed call is counted and gives undefined; otherwise its error ends the run.
   */
  timed<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

/** One way of running a scenario: the problem as found in the field, or with its fix applied. */
export interface Variant {
  /** What this variant does, in a few words ("a client per request"). */
  label: string;
  /** Where the calling code runs (`wirescope.caller.region`). */
  callerRegion: string;
  /** The problem fails calls (an unretried socket error): count them instead of failing the run. */
  failuresExpected?: boolean;
  run(context: RunContext): Promise<void>;
}

/** One scenario of the demo. */
export interface Scenario {
  /** Short id (`churn`), also the prefix of its runs' `service.instance.id`. */
  id: string;
  /** One line for the progress display and the table. */
  title: string;
  /** The field report it comes from. */
  seed?: string;
  /** The finding code the scenario shows (absent for the healthy baseline). */
  shows?: string;
  /** Calls per variant. */
  calls: number;
  before: Variant;
  /** The fix; absent for the healthy baseline, or when the AWS mode lacks what it needs. */
  after?: Variant;
  /** Why there is no `after` (printed in its place). */
  noAfterReason?: string;
}

/** Where each variant's requests go. */
export type { Target };
