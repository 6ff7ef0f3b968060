import { describe, expect, it } from 'vitest';
import { isRegionName, regionOfHost } from './region-of-host.js';

// [host, region] — one row per endpoint shape the SDK (or a user's endpoint override) produces.
const HOSTS: ReadonlyArray<readonly [string, string | undefined]> = [
  // S3 regional, path-style and virtual-hosted, dot form
  ['s3.us-west-2.amazonaws.com', 'us-west-2'],
  ['bucket.s3.us-west-2.amazonaws.com', 'us-west-2'],
  ['my.dotted.bucket.s3.eu-central-1.amazonaws.com', 'eu-central-1'],
  // a bucket named like a region does not fool the parser: the right-most region label wins
  ['logs.us-east-1.s3.eu-west-1.amazonaws.com', 'eu-west-1'],
  ['logs-us-east-1.s3.eu-west-1.amazonaws.com', 'eu-west-1'],
  ['us-west-2.s3.amazonaws.com', 'us-east-1'],
  // S3 legacy dash form
  ['s3-us-west-2.amazonaws.com', 'us-west-2'],
  ['bucket.s3-ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
  ['s3-website-eu-west-1.amazonaws.com', 'eu-west-1'],
  ['bucket.s3-website.us-east-2.amazonaws.com', 'us-east-2'],
  ['s3-fips-us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  // S3 global endpoint and its aliases: us-east-1
  ['s3.amazonaws.com', 'us-east-1'],
  ['bucket.s3.amazonaws.com', 'us-east-1'],
  ['s3-external-1.amazonaws.com', 'us-east-1'],
  ['bucket.s3-external-1.amazonaws.com', 'us-east-1'],
  // dual-stack, old (`dualstack` label) and new (`api.aws`) form, and FIPS
  ['s3.dualstack.eu-west-1.amazonaws.com', 'eu-west-1'],
  ['bucket.s3.dualstack.eu-west-1.amazonaws.com', 'eu-west-1'],
  ['dynamodb.us-east-1.api.aws', 'us-east-1'],
  ['s3.dualstack.ap-south-1.api.aws', 'ap-south-1'],
  ['s3-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['s3-fips.us-east-2.amazonaws.com', 'us-east-2'],
  ['s3-fips.dualstack.us-east-1.amazonaws.com', 'us-east-1'],
  ['bucket.s3-fips.dualstack.us-west-1.amazonaws.com', 'us-west-1'],
  ['dynamodb-fips.us-west-2.amazonaws.com', 'us-west-2'],
  // access points, Object Lambda, Outposts, Multi-Region Access Points
  ['bucket.s3-accesspoint.us-east-1.amazonaws.com', 'us-east-1'],
  ['myap-123456789012.s3-accesspoint.dualstack.eu-west-3.amazonaws.com', 'eu-west-3'],
  ['myap-123456789012.s3-accesspoint-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['myolap-123456789012.s3-object-lambda.ap-northeast-1.amazonaws.com', 'ap-northeast-1'],
  ['myop-123456789012.op-01ac5d28a6a232904.s3-outposts.us-west-2.amazonaws.com', 'us-west-2'],
  ['mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com', undefined],
  // S3 Express One Zone: zonal data plane and regional control plane
  ['bucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com', 'us-west-2'],
  ['s3express-control.ap-northeast-1.amazonaws.com', 'ap-northeast-1'],
  // Transfer Acceleration names no region
  ['bucket.s3-accelerate.amazonaws.com', undefined],
  ['bucket.s3-accelerate.dualstack.amazonaws.com', undefined],
  // VPC interface endpoints
  ['bucket.vpce-0123-abcd.s3.us-east-1.vpce.amazonaws.com', 'us-east-1'],
  ['vpce-0123-abcd.dynamodb.eu-north-1.vpce.amazonaws.com', 'eu-north-1'],
  // DynamoDB, SQS, STS and others, regional
  ['dynamodb.eu-central-1.amazonaws.com', 'eu-central-1'],
  ['streams.dynamodb.sa-east-1.amazonaws.com', 'sa-east-1'],
  ['123456789012.ddb.us-east-1.amazonaws.com', 'us-east-1'],
  ['sqs.us-east-2.amazonaws.com', 'us-east-2'],
  ['us-west-2.queue.amazonaws.com', 'us-west-2'],
  ['sts.us-west-2.amazonaws.com', 'us-west-2'],
  ['lambda.me-central-1.amazonaws.com', 'me-central-1'],
  ['abc123.execute-api.il-central-1.amazonaws.com', 'il-central-1'],
  ['dynamodb.mx-central-1.amazonaws.com', 'mx-central-1'],
  ['s3.ap-southeast-5.amazonaws.com', 'ap-southeast-5'],
  ['abcdefg.lambda-url.ca-west-1.on.aws', 'ca-west-1'],
  // services whose hosts put the region before the service label
  ['my-lb-1234567890.us-west-2.elb.amazonaws.com', 'us-west-2'],
  ['search-logs-abc123.eu-west-1.es.amazonaws.com', 'eu-west-1'],
  ['abc123.us-east-1.aoss.amazonaws.com', 'us-east-1'],
  ['ec2-203-0-113-25.us-west-2.compute.amazonaws.com', 'us-west-2'],
  // global endpoints of the aws partition: served from and signed for us-east-1
  ['sts.amazonaws.com', 'us-east-1'],
  ['iam.amazonaws.com', 'us-east-1'],
  ['route53.amazonaws.com', 'us-east-1'],
  ['cloudfront.amazonaws.com', 'us-east-1'],
  ['sdb.amazonaws.com', 'us-east-1'],
  // `dualstack` is stepped over on either side of the label that decides
  ['s3.dualstack.amazonaws.com', 'us-east-1'],
  ['queue.amazonaws.com', 'us-east-1'],
  // China, GovCloud, ISO and sovereign partitions
  ['s3.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ['bucket.s3.cn-northwest-1.amazonaws.com.cn', 'cn-northwest-1'],
  ['dynamodb.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ['sts.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ['s3.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['s3-fips.us-gov-east-1.amazonaws.com', 'us-gov-east-1'],
  ['sts.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['s3.us-iso-east-1.c2s.ic.gov', 'us-iso-east-1'],
  ['s3.us-isob-east-1.sc2s.sgov.gov', 'us-isob-east-1'],
  ['s3.eu-isoe-west-1.cloud.adc-e.uk', 'eu-isoe-west-1'],
  ['s3.eusc-de-east-1.amazonaws.eu', 'eusc-de-east-1'],
  ['dynamodb.cn-north-1.api.amazonwebservices.com.cn', 'cn-north-1'],
  ['s3.us-isof-south-1.csp.hci.ic.gov', 'us-isof-south-1'],
  // global endpoints exist in the aws partition only
  ['s3.amazonaws.com.cn', undefined],
  ['sts.amazonaws.com.cn', undefined],
  // ports, case, trailing dots
  ['S3.US-WEST-2.AMAZONAWS.COM', 'us-west-2'],
  ['Bucket.S3.Dualstack.EU-West-1.AmazonAWS.com', 'eu-west-1'],
  ['s3.us-west-2.amazonaws.com:443', 'us-west-2'],
  ['dynamodb.eu-west-1.amazonaws.com.', 'eu-west-1'],
  ['dynamodb.eu-west-1.amazonaws.com.:443', 'eu-west-1'],
  ['sts.amazonaws.com:443', 'us-east-1'],
  [' s3.us-east-2.amazonaws.com ', 'us-east-2'],
  // not AWS, or names no region
  ['localhost', undefined],
  ['localhost:4566', undefined],
  ['127.0.0.1', undefined],
  ['127.0.0.1:9000', undefined],
  ['10.0.12.7', undefined],
  ['[::1]:443', undefined],
  ['[2600:1f14::1]', undefined],
  ['minio.internal.example.com', undefined],
  ['s3.us-west-2.example.com', undefined],
  ['s3.us-west-2.amazonaws.com.evil.example', undefined],
  ['notamazonaws.com', undefined],
  ['s3.us-west-2.notamazonaws.com', undefined],
  ['eu-west-1.example.amazonaws.com', undefined],
  ['ec2.amazonaws.com', undefined],
  ['amazonaws.com', undefined],
  ['api.aws', undefined],
  ['', undefined],
];

describe('regionOfHost', () => {
  it.each(HOSTS)('%s → %s', (host, region) => {
    expect(regionOfHost(host)).toBe(region);
  });

  it('returns undefined for a missing host', () => {
    expect(regionOfHost(undefined)).toBeUndefined();
  });
});

describe('isRegionName', () => {
  it.each([
    'us-east-1',
    'us-west-2',
    'eu-central-2',
    'ap-southeast-5',
    'ap-northeast-3',
    'il-central-1',
    'mx-central-1',
    'me-south-1',
    'af-south-1',
    'ca-west-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-gov-west-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'us-isof-south-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
  ])('%s is a region name', (name) => {
    expect(isRegionName(name)).toBe(true);
  });

  it.each([
    's3',
    'dualstack',
    'us-east',
    'us-east-0',
    'us-east-01',
    'us-east-123',
    'us-east-1a',
    'us-west-2-lax-1',
    'usw2-az1',
    's3-us-west-2',
    'gov-west',
    'xx-foo-1',
    'ab-cd-ef-gh-ij-1',
    'aws-global',
    'US-EAST-1',
    'eu-west-1 ',
    ' eu-west-1',
    'eu_west_1',
    'eu-west-1.',
    `us-${'x'.repeat(40)}-east-1`,
    'us-east-1'.repeat(8),
    '',
    undefined,
    null,
    42,
  ])('%s is not a region name', (name) => {
    expect(isRegionName(name)).toBe(false);
  });
});
