import { type Tracer, trace } from '@opentelemetry/api';
import { instrumentsFor, type WirescopeInstruments } from '@wirescope/instrumentation';
import { tracerUnlessDisabled, wirescopeDisabled } from './connection-facts.js';
import { BucketRegionMemory, DEFAULT_MAX_REMEMBERED_BUCKETS } from './region/bucket-region-memory.js';
import {
  type CallerRegionDetection,
  callerRegionFromEnv,
  resolveMetadataLookup,
  startCallerRegionDetection,
} from './region/caller-region.js';
import type { WirescopeOptions } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** Options with every default applied, resolved once per plugin. */
export interface ResolvedWirescopeOptions {
  /** The plugin's tracer, fetched on first use (a provider that throws then costs nothing at set-up). */
  tracer(): Tracer;
  /**
   * The instruments of the `meterProvider` option, else of the global MeterProvider (looked up on every
   * call: one registered later counts from the next call); undefined when none is registered or
   * wirescope is disabled, and then the plugin does no metric work.
   */
  instruments(): WirescopeInstruments | undefined;
  callerRegion: string | undefined;
  /** The background metadata lookup of the caller's region, when `detectCallerRegion` started one. */
  callerRegionDetection: CallerRegionDetection | undefined;
  /** Bucket → region, as S3 named it (bounded by `maxRememberedBuckets`). */
  bucketRegions: BucketRegionMemory;
  s3KeyPrefixLength: number;
  /** The stage middlewares are in the stack (stage-metrics.ts). */
  stageDurations: boolean;
  nodeHttp: boolean;
  fetch: boolean;
  http2: boolean;
}

/** Applies the defaults of {@link WirescopeOptions}, once checked by `validateWirescopeOptions`. */
export function resolveOptions(options: WirescopeOptions = {}): ResolvedWirescopeOptions {
  let tracer: Tracer | undefined;
  const provider = options.tracerProvider;
  const callerRegion = options.callerRegion;
  const meterProvider = options.meterProvider;
  return {
    tracer() {
      // After disableWirescope() a non-recording tracer: the middlewares then pass calls through.
      return tracerUnlessDisabled(() => {
        // The global provider is a proxy: a tracer from it follows a provider registered later.
        tracer ??= (provider ?? trace.getTracerProvider()).getTracer(PACKAGE_NAME, PACKAGE_VERSION);
        return tracer;
      });
    },
    instruments() {
      return wirescopeDisabled() ? undefined : instrumentsFor(meterProvider);
    },
    // Read once: the environment of a process does not move, and reading it costs on every call.
    callerRegion: callerRegion ?? callerRegionFromEnv(),
    callerRegionDetection: detectCallerRegion(options),
    bucketRegions: new BucketRegionMemory(options.maxRememberedBuckets ?? DEFAULT_MAX_REMEMBERED_BUCKETS),
    s3KeyPrefixLength: options.s3KeyPrefixLength ?? 0,
    stageDurations: options.stageDurations === true,
    nodeHttp: options.nodeHttp !== false,
    fetch: options.fetch !== false,
    http2: options.http2 !== false,
  };
}

// Started here, when the plugin is created (outside any SDK call), so the lookup's requests belong to
// no attempt; skipped when the option or the environment already names the region.
function detectCallerRegion(options: WirescopeOptions): CallerRegionDetection | undefined {
  if (options.callerRegion || callerRegionFromEnv()) return undefined;
  const lookup = resolveMetadataLookup(options.detectCallerRegion);
  return lookup ? startCallerRegionDetection(lookup) : undefined;
}
