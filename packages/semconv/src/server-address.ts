import { normalizeHost, PARTITION_SUFFIXES } from './region-of-host.js';

// An S3 label that names the service endpoint (everything left of it is a bucket, an access point's
// alias or an Outpost id): `s3`, the dash forms (`s3-us-west-2`, `s3-website-eu-west-1`,
// `s3-accesspoint`, `s3-object-lambda`, `s3-outposts`, `s3-accelerate`, `s3-global`, `s3-fips`,
// `s3-external-1`), and S3 Express zonal endpoints (`s3express-usw2-az1`, `s3express-control`).
const S3_SERVICE_LABEL = /^s3(?:-[a-z0-9-]+)?$|^s3express-[a-z0-9-]+$/;

/**
 * `server.address` as a metric attribute: the service endpoint, never a bucket. Metrics are
 * aggregated by their attributes, so a virtual-hosted S3 host (`my-bucket.s3.us-west-2.amazonaws.com`)
 * would make one series per bucket; it becomes `s3.us-west-2.amazonaws.com`. The S3 service label is
 * looked for right to left, so a bucket whose own name holds `s3` labels (`s3.logs.s3.amazonaws.com`)
 * still reduces to the endpoint. Dual-stack, FIPS, Transfer Acceleration, access points, Object
 * Lambda, Outposts, S3 Express zonal hosts, VPC endpoints, Multi-Region Access Points and every
 * partition are covered. Other hosts are returned lower-cased without a port or a trailing dot (a
 * custom endpoint's bucket prefix, `bkt.localhost`, is stripped by the SDK plugin, which knows the
 * bucket). Undefined or empty stays undefined.
 */
export function normalizeServerAddress(host: string | undefined): string | undefined {
  if (typeof host !== 'string') return undefined;
  // Asked per attempt and again per connection event for the same few hosts: remembered, bounded.
  const known = memo.get(host);
  if (known !== undefined || memo.has(host)) return known;
  const address = serviceEndpointOf(host);
  if (memo.size >= MAX_REMEMBERED) memo.clear();
  memo.set(host, address);
  return address;
}

const MAX_REMEMBERED = 1024;
const memo = new Map<string, string | undefined>();

function serviceEndpointOf(host: string): string | undefined {
  const name = normalizeHost(host);
  if (name.length === 0) return undefined;
  const suffix = PARTITION_SUFFIXES.find((candidate) => name.endsWith(`.${candidate}`));
  if (!suffix) return name;
  const labels = name.slice(0, -(suffix.length + 1)).split('.');
  for (let index = labels.length - 1; index >= 0; index--) {
    if (!S3_SERVICE_LABEL.test(labels[index] ?? '')) continue;
    // A Multi-Region Access Point: `<alias>.mrap.accesspoint.s3-global.amazonaws.com`.
    const start = labels[index] === 's3-global' && labels[index - 1] === 'accesspoint' ? index - 1 : index;
    return `${labels.slice(start).join('.')}.${suffix}`;
  }
  return name;
}
