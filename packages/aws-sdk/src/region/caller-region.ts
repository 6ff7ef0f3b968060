import { log } from '../guard.js';
import {
  DEFAULT_IMDS_ENDPOINT,
  DEFAULT_METADATA_TIMEOUT_MS,
  lookUpCallerRegion,
  type MetadataLookupOptions,
} from './metadata-lookup.js';

/** The `detectCallerRegion` option as users write it. */
export type DetectCallerRegionOption = boolean | { endpoint?: string; timeoutMs?: number } | undefined;

/** The caller's region from the environment: `AWS_REGION`, else `AWS_DEFAULT_REGION` (Lambda sets both). */
export function callerRegionFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined;
}

/**
 * Resolves `detectCallerRegion` into lookup options, or undefined when detection is off (the
 * default, and also when `AWS_EC2_METADATA_DISABLED=true` and no ECS metadata endpoint exists).
 * `endpoint` replaces the IMDS endpoint (default `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else
 * 169.254.169.254); the ECS endpoint comes from `ECS_CONTAINER_METADATA_URI_V4`.
 */
export function resolveMetadataLookup(
  option: DetectCallerRegionOption,
  env: NodeJS.ProcessEnv = process.env,
): MetadataLookupOptions | undefined {
  if (!option) return undefined;
  const settings = typeof option === 'object' ? option : {};
  const timeout = settings.timeoutMs;
  const ecsEndpoint = env['ECS_CONTAINER_METADATA_URI_V4'] || undefined;
  const imdsDisabled = env['AWS_EC2_METADATA_DISABLED']?.toLowerCase() === 'true';
  if (imdsDisabled && !ecsEndpoint && !settings.endpoint) return undefined;
  return {
    imdsEndpoint: settings.endpoint || env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] || DEFAULT_IMDS_ENDPOINT,
    ecsEndpoint,
    timeoutMs:
      typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0
        ? timeout
        : DEFAULT_METADATA_TIMEOUT_MS,
  };
}

/** One background lookup: its result once it finished (undefined before, or when none was found). */
export interface CallerRegionDetection {
  /** The detected region, once the lookup finished with one. */
  readonly region: string | undefined;
  /** Settles when the lookup is over (never rejects). */
  readonly done: Promise<string | undefined>;
}

// One lookup per process and endpoint set: many plugins (one per client) share it.
const detections = new Map<string, CallerRegionDetection>();

/**
 * Starts the metadata lookup in the background, once per process for the same options, and returns
 * its handle. Never throws, never awaited by a call: calls made before it finishes simply lack
 * `wirescope.caller.region`. Start it when the plugin is created, outside any call, so the lookup's
 * own HTTP requests are not attributed to an SDK attempt.
 */
export function startCallerRegionDetection(options: MetadataLookupOptions): CallerRegionDetection {
  const key = `${options.ecsEndpoint ?? ''}|${options.imdsEndpoint}|${options.timeoutMs}`;
  const existing = detections.get(key);
  if (existing) return existing;
  const detection: { region: string | undefined; done: Promise<string | undefined> } = {
    region: undefined,
    done: Promise.resolve(undefined),
  };
  detection.done = lookUpCallerRegion(options)
    .then((region) => {
      detection.region = region;
      if (region) log.debug(`caller region ${region} from instance metadata`);
      return region;
    })
    .catch((error: unknown) => {
      log.warn('caller region lookup failed', String(error));
      return undefined;
    });
  detections.set(key, detection);
  return detection;
}
