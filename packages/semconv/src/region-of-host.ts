// AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `us-isob-east-1`, `eu-isoe-west-1`,
// `eusc-de-east-1`, `cn-northwest-1`. Two to four letters, an optional partition qualifier (`gov`, `iso`,
// `isob`, `isoe`, `isof`, `de`), a compass direction, a number without a leading zero.
const REGION_NAME =
  /^[a-z]{2,4}(?:-[a-z]{2,8})?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9]\d?$/;

// Longer than any region name can be; checked before the pattern so long garbage costs nothing.
const MAX_REGION_NAME_LENGTH = 32;

// DNS suffixes of the AWS partitions (aws, aws-cn, aws-us-gov shares amazonaws.com, the ISO
// partitions, the European Sovereign Cloud) and of the newer dual-stack / function-URL domains.
// Longest first, so `amazonaws.com.cn` wins over `amazonaws.com`.
export const PARTITION_SUFFIXES: readonly string[] = [
  'api.amazonwebservices.com.cn',
  'amazonaws.com.cn',
  'csp.hci.ic.gov',
  'sc2s.sgov.gov',
  'cloud.adc-e.uk',
  'amazonaws.com',
  'amazonaws.eu',
  'c2s.ic.gov',
  'api.aws',
  'on.aws',
];

// Labels that name neither a service nor a region and are stepped over: between the service and the
// region (`s3.dualstack.us-west-2…`), after the region (`…s3.us-east-1.vpce.amazonaws.com`), and the
// services whose hosts put the region before them (`my-lb-1.us-west-2.elb.amazonaws.com`,
// `search-logs-abc.eu-west-1.es.amazonaws.com`, `id.us-east-1.aoss.amazonaws.com`,
// `ec2-203-0-113-25.us-west-2.compute.amazonaws.com`).
const STEPPED_OVER_LABELS = new Set(['dualstack', 'vpce', 'elb', 'es', 'aoss', 'compute']);

// Global endpoints of the aws partition that are served from (and signed for) us-east-1:
// `s3.amazonaws.com`, `bucket.s3.amazonaws.com`, `sts.amazonaws.com`, `iam.amazonaws.com`, …
const US_EAST_1_GLOBAL = new Set(['s3', 's3-external-1', 'sts', 'iam', 'route53', 'cloudfront', 'sdb']);

// Endpoints that name no region on purpose: S3 Transfer Acceleration and Multi-Region Access Points
// route to whichever region is nearest, so the host tells nothing.
const NON_REGIONAL = new Set(['s3-accelerate', 's3-global']);

/** True when `value` is an AWS region name (`us-west-2`, `us-gov-west-1`, `cn-north-1`), lower case. */
export function isRegionName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_REGION_NAME_LENGTH && REGION_NAME.test(value);
}

/**
 * The AWS region an endpoint host names, or undefined when it names none (custom endpoints,
 * localhost, IP literals, S3 Transfer Acceleration, Multi-Region Access Points). Covers regional hosts
 * of every service (`dynamodb.eu-west-1.amazonaws.com`), dual-stack (`…dualstack…`, `….api.aws`) and
 * FIPS variants, S3 virtual-hosted and path-style hosts in dot and legacy dash form, access points,
 * Object Lambda, Outposts, S3 Express zonal hosts, VPC endpoints, the global endpoints served from
 * us-east-1 (`s3.amazonaws.com`, `sts.amazonaws.com`), legacy SQS hosts, and the China, GovCloud and
 * ISO partitions. Case, a port and a trailing dot are ignored.
 */
export function regionOfHost(host: string | undefined): string | undefined {
  if (typeof host !== 'string') return undefined;
  const name = normalizeHost(host);
  const suffix = PARTITION_SUFFIXES.find((candidate) => name.endsWith(`.${candidate}`));
  if (!suffix) return undefined;
  const labels = name.slice(0, -(suffix.length + 1)).split('.');
  // The region is the right-most label that names one, and the first label (right to left) that is
  // not stepped over decides: bucket names to its left may look like regions
  // (`logs.us-east-1.s3.eu-west-1.amazonaws.com` is a bucket in eu-west-1, `us-west-2.s3.amazonaws.com`
  // a bucket behind the us-east-1 global endpoint).
  for (let index = labels.length - 1; index >= 0; index--) {
    const label = labels[index] ?? '';
    if (STEPPED_OVER_LABELS.has(label)) continue;
    if (isRegionName(label)) return label;
    const dashed = dashRegionOf(label);
    if (dashed) return dashed;
    if (NON_REGIONAL.has(label)) return undefined;
    // Legacy SQS: `us-west-2.queue.amazonaws.com`, and `queue.amazonaws.com` for us-east-1.
    if (label === 'queue') {
      const previous = labels[index - 1];
      if (isRegionName(previous)) return previous;
      return suffix === 'amazonaws.com' ? 'us-east-1' : undefined;
    }
    if (suffix === 'amazonaws.com' && US_EAST_1_GLOBAL.has(label)) return 'us-east-1';
    return undefined;
  }
  return undefined;
}

/** Legacy dash form of S3 labels: `s3-us-west-2`, `s3-website-eu-west-1`, `s3-fips-us-gov-west-1`. */
function dashRegionOf(label: string): string | undefined {
  if (!label.startsWith('s3-')) return undefined;
  // Left to right, so the longest tail that is a region wins (`us-gov-west-1` over `gov-west-1`).
  for (let dash = label.indexOf('-'); dash !== -1; dash = label.indexOf('-', dash + 1)) {
    const tail = label.slice(dash + 1);
    if (isRegionName(tail)) return tail;
  }
  return undefined;
}

/** Lower case, without a port and a trailing dot (an IPv6 literal in brackets is left as it is). */
export function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  // `host:port`, but not an IPv6 literal (which cannot name a region anyway).
  if (name.startsWith('[')) return name;
  const colon = name.lastIndexOf(':');
  if (colon !== -1 && /^\d+$/.test(name.slice(colon + 1))) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}
