import { isRegionName } from './region-name.js';

// DNS suffixes of the AWS partitions (aws, aws-cn, aws-us-gov shares amazonaws.com, the ISO
// partitions, the European Sovereign Cloud) and of the newer dual-stack / function-URL domains.
// Longest first, so `amazonaws.com.cn` wins over `amazonaws.com`.
const PARTITION_SUFFIXES = [
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

// Labels that sit between the region and the partition suffix, or between the service and the region,
// without naming either (`s3.dualstack.us-west-2…`, `…s3.us-east-1.vpce.amazonaws.com`).
const SKIPPED_LABELS = new Set(['dualstack', 'vpce']);

// Global endpoints of the aws partition that are served from (and signed for) us-east-1:
// `s3.amazonaws.com`, `bucket.s3.amazonaws.com`, `sts.amazonaws.com`, `iam.amazonaws.com`, …
const US_EAST_1_GLOBAL = new Set(['s3', 's3-external-1', 'sts', 'iam', 'route53', 'cloudfront', 'sdb']);

// Endpoints that name no region on purpose: S3 Transfer Acceleration and Multi-Region Access Points
// route to whichever region is nearest, so the host tells nothing.
const NON_REGIONAL = new Set(['s3-accelerate', 's3-global']);

// Legacy dash form of S3 hosts: `s3-us-west-2`, `s3-website-eu-west-1`, `s3-fips-us-gov-west-1`.
const S3_DASH_REGION = /^s3(?:-[a-z]+)*?-([a-z]{2,4}(?:-[a-z]+)?-[a-z]+-\d{1,2})$/;

/**
 * The AWS region an endpoint host names, or undefined when it names none (custom endpoints,
 * localhost, IP literals, S3 Transfer Acceleration, Multi-Region Access Points). Covers regional hosts
 * of every service (`dynamodb.eu-west-1.amazonaws.com`, `sqs.us-east-2.amazonaws.com`), dual-stack and
 * FIPS variants, S3 virtual-hosted and path-style hosts in dot and legacy dash form, access points,
 * Object Lambda, Outposts, S3 Express zonal hosts, VPC endpoints, the global endpoints served from
 * us-east-1 (`s3.amazonaws.com`, `sts.amazonaws.com`), legacy SQS hosts, and the China, GovCloud and
 * ISO partitions. A port and a trailing dot are ignored.
 */
export function regionFromHost(host: string | undefined): string | undefined {
  if (typeof host !== 'string') return undefined;
  const name = normalizeHost(host);
  const suffix = PARTITION_SUFFIXES.find((candidate) => name.endsWith(`.${candidate}`));
  if (!suffix) return undefined;
  const labels = name.slice(0, -(suffix.length + 1)).split('.');
  // The region is the right-most label that names one: bucket names to its left may look like
  // regions (`logs.us-east-1.s3.eu-west-1.amazonaws.com` is a bucket in eu-west-1).
  for (let index = labels.length - 1; index >= 0; index--) {
    const label = labels[index] ?? '';
    if (SKIPPED_LABELS.has(label)) continue;
    if (isRegionName(label)) return label;
    const dashed = S3_DASH_REGION.exec(label)?.[1];
    if (dashed && isRegionName(dashed)) return dashed;
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

function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  // `host:port`, but not an IPv6 literal (which cannot name a region anyway).
  if (name.startsWith('[')) return name;
  const colon = name.lastIndexOf(':');
  if (colon !== -1 && /^\d+$/.test(name.slice(colon + 1))) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}
