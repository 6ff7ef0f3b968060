import { isRegionName, regionOfHost } from '@wirescope/semconv';

interface ParsedS3Error {
  name?: unknown;
  Code?: unknown;
  Region?: unknown;
  Endpoint?: unknown;
}

/**
 * The bucket region an S3 error body names, read from the error the SDK already parsed (its
 * deserializer copies the body's fields onto the error): `<Region>` of AuthorizationHeaderMalformed
 * (and other region errors), else the region of `<Endpoint>` of PermanentRedirect /
 * TemporaryRedirect. We never read the body ourselves: the SDK consumed it, and must see it unchanged.
 */
export function bucketRegionFromError(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const parsed = error as ParsedS3Error;
  const region = typeof parsed.Region === 'string' ? parsed.Region.trim().toLowerCase() : undefined;
  if (isRegionName(region)) return region;
  if (typeof parsed.Endpoint === 'string') return regionOfHost(parsed.Endpoint);
  return undefined;
}
