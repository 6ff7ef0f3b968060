import { isRegionName } from '@wirescope/semconv';

// An availability-zone name is its region followed by a zone letter (`us-east-1a`) or a Local /
// Wavelength Zone tail (`us-west-2-lax-1a`); the shortest such head is the candidate region.
const ZONE_HEAD = /^([a-z-]+?-\d{1,2})(?=[a-z]|-)/;

/** The region of an availability-zone name: `us-east-1a` → `us-east-1`, `us-west-2-lax-1a` → `us-west-2`. */
export function regionFromAvailabilityZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string') return undefined;
  const head = ZONE_HEAD.exec(zone.trim().toLowerCase())?.[1];
  return isRegionName(head) ? head : undefined;
}

/** The region field of an ARN: `arn:aws:ecs:us-west-2:123456789012:task/…` → `us-west-2`. */
export function regionFromArn(arn: unknown): string | undefined {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return undefined;
  const region = arn.split(':')[3];
  return isRegionName(region) ? region : undefined;
}
