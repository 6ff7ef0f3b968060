import { describe, expect, it } from 'vitest';
import { normalizeServerAddress } from './server-address.js';

describe('normalizeServerAddress', () => {
  it.each([
    ['my-bucket.s3.us-west-2.amazonaws.com', 's3.us-west-2.amazonaws.com'],
    ['bkt.s3.amazonaws.com', 's3.amazonaws.com'],
    ['s3.us-west-2.amazonaws.com', 's3.us-west-2.amazonaws.com'],
    ['MY-Bucket.S3.US-WEST-2.amazonaws.com.', 's3.us-west-2.amazonaws.com'],
    ['bkt.s3.us-west-2.amazonaws.com:443', 's3.us-west-2.amazonaws.com'],
    ['bkt.s3.dualstack.us-east-1.amazonaws.com', 's3.dualstack.us-east-1.amazonaws.com'],
    ['bkt.s3-fips.dualstack.us-gov-west-1.amazonaws.com', 's3-fips.dualstack.us-gov-west-1.amazonaws.com'],
    ['bkt.s3-accelerate.amazonaws.com', 's3-accelerate.amazonaws.com'],
    ['bkt.s3-accelerate.dualstack.amazonaws.com', 's3-accelerate.dualstack.amazonaws.com'],
    ['bkt.s3-us-west-2.amazonaws.com', 's3-us-west-2.amazonaws.com'],
    ['bkt.s3-website-eu-west-1.amazonaws.com', 's3-website-eu-west-1.amazonaws.com'],
    ['my-ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com', 's3-accesspoint.us-west-2.amazonaws.com'],
    [
      'my-ap-123456789012.s3-accesspoint.dualstack.us-west-2.amazonaws.com',
      's3-accesspoint.dualstack.us-west-2.amazonaws.com',
    ],
    ['ol-123456789012.s3-object-lambda.us-east-1.amazonaws.com', 's3-object-lambda.us-east-1.amazonaws.com'],
    [
      'ap-123456789012.op-01ac5d28a6a232904.s3-outposts.us-west-2.amazonaws.com',
      's3-outposts.us-west-2.amazonaws.com',
    ],
    [
      'bucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com',
      's3express-usw2-az1.us-west-2.amazonaws.com',
    ],
    ['bkt.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com', 's3.us-east-1.vpce.amazonaws.com'],
    ['mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com', 'accesspoint.s3-global.amazonaws.com'],
    ['bkt.s3.cn-north-1.amazonaws.com.cn', 's3.cn-north-1.amazonaws.com.cn'],
    ['bkt.s3.dualstack.eu-west-1.api.aws', 's3.dualstack.eu-west-1.api.aws'],
    // Bucket names that hold S3-looking labels: the right-most service label wins.
    ['s3.logs.s3.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'],
    ['s3-archive.s3.amazonaws.com', 's3.amazonaws.com'],
    ['us-west-2.s3.amazonaws.com', 's3.amazonaws.com'],
    // Not S3: as it is, normalized.
    ['dynamodb.eu-west-1.amazonaws.com', 'dynamodb.eu-west-1.amazonaws.com'],
    ['Kinesis.US-East-1.amazonaws.com:443', 'kinesis.us-east-1.amazonaws.com'],
    ['localhost:4566', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '[::1]'],
    ['minio.internal', 'minio.internal'],
  ])('%s → %s', (host, expected) => {
    expect(normalizeServerAddress(host)).toBe(expected);
  });

  it('leaves nothing as nothing', () => {
    expect(normalizeServerAddress(undefined)).toBeUndefined();
    expect(normalizeServerAddress('')).toBeUndefined();
    expect(normalizeServerAddress(' ')).toBeUndefined();
  });

  it('gives 10,000 virtual-hosted buckets one address per endpoint', () => {
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 10_000; i++) {
      seen.add(normalizeServerAddress(`bucket-${i}.s3.us-west-2.amazonaws.com`));
      seen.add(normalizeServerAddress(`bucket-${i}.s3.dualstack.eu-west-1.amazonaws.com`));
    }
    expect([...seen].sort()).toEqual(['s3.dualstack.eu-west-1.amazonaws.com', 's3.us-west-2.amazonaws.com']);
  });
});
