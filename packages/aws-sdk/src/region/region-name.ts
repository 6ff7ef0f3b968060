// AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `us-isob-east-1`, `eu-isoe-west-1`,
// `eusc-de-east-1`, `cn-northwest-1`. Two to four letters, an optional qualifier, a direction, a number.
const REGION_NAME = /^[a-z]{2,4}(?:-[a-z]+)?-[a-z]+-\d{1,2}$/;

// The region an availability-zone name starts with: `us-east-1a`, `us-west-2-lax-1a` (Local Zone),
// `us-gov-west-1b`.
const ZONE_REGION = /^([a-z]{2,4}(?:-[a-z]+)?-[a-z]+-\d{1,2})(?=[a-z]|-)/;

/** True when `value` is shaped like an AWS region name (`us-west-2`, `us-gov-west-1`, `cn-north-1`). */
export function isRegionName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 32 && REGION_NAME.test(value);
}

/** The region of an availability-zone name: `us-east-1a` → `us-east-1`, `us-west-2-lax-1a` → `us-west-2`. */
export function regionFromAvailabilityZone(zone: unknown): string | undefined {
  if (typeof zone !== 'string') return undefined;
  const match = ZONE_REGION.exec(zone.trim().toLowerCase());
  return match?.[1];
}

/** The region field of an ARN: `arn:aws:ecs:us-west-2:123456789012:task/…` → `us-west-2`. */
export function regionFromArn(arn: unknown): string | undefined {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return undefined;
  const region = arn.split(':')[3];
  return isRegionName(region) ? region : undefined;
}
