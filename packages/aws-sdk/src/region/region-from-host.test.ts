import { describe, expect, it } from 'vitest';
import { regionFromHost } from './region-from-host.js';
import { isRegionName, regionFromArn, regionFromAvailabilityZone } from './region-name.js';

// [host, region] — one row per endpoint shape the SDK (or a user's endpoint override) produces.
const HOSTS: ReadonlyArray<readonly [string, string | undefined]> = [
  // S3 regional, path-style and virtual-hosted, dot form
  ['s3.us-west-2.amazonaws.com', 'us-west-2'],
  ['my-bucket.s3.us-west-2.amazonaws.com', 'us-west-2'],
  ['my.dotted.bucket.s3.eu-central-1.amazonaws.com', 'eu-central-1'],
  // a bucket named like a region does not fool the parser: the right-most region label wins
  ['logs.us-east-1.s3.eu-west-1.amazonaws.com', 'eu-west-1'],
  // S3 legacy dash form
  ['s3-us-west-2.amazonaws.com', 'us-west-2'],
  ['my-bucket.s3-ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
  ['s3-website-eu-west-1.amazonaws.com', 'eu-west-1'],
  ['my-bucket.s3-website.us-east-2.amazonaws.com', 'us-east-2'],
  // S3 global endpoint and its aliases: us-east-1
  ['s3.amazonaws.com', 'us-east-1'],
  ['my-bucket.s3.amazonaws.com', 'us-east-1'],
  ['us-west-2.s3.amazonaws.com', 'us-east-1'],
  ['s3-external-1.amazonaws.com', 'us-east-1'],
  // dual-stack and FIPS
  ['s3.dualstack.us-west-2.amazonaws.com', 'us-west-2'],
  ['my-bucket.s3.dualstack.eu-west-1.amazonaws.com', 'eu-west-1'],
  ['s3-fips.us-east-2.amazonaws.com', 'us-east-2'],
  ['s3-fips.dualstack.us-east-1.amazonaws.com', 'us-east-1'],
  ['my-bucket.s3-fips.dualstack.us-west-1.amazonaws.com', 'us-west-1'],
  ['dynamodb-fips.us-west-2.amazonaws.com', 'us-west-2'],
  ['sqs-fips.us-east-1.amazonaws.com', 'us-east-1'],
  ['dynamodb.us-east-1.api.aws', 'us-east-1'],
  // access points, Object Lambda, Outposts, Multi-Region Access Points
  ['myap-123456789012.s3-accesspoint.us-east-1.amazonaws.com', 'us-east-1'],
  ['myap-123456789012.s3-accesspoint.dualstack.eu-west-3.amazonaws.com', 'eu-west-3'],
  ['myap-123456789012.s3-accesspoint-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['myolap-123456789012.s3-object-lambda.ap-northeast-1.amazonaws.com', 'ap-northeast-1'],
  ['myop-123456789012.op-01ac5d28a6a232904.s3-outposts.us-west-2.amazonaws.com', 'us-west-2'],
  ['mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com', undefined],
  // S3 Express One Zone: zonal data plane and regional control plane
  ['bucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com', 'us-west-2'],
  ['s3express-control.ap-northeast-1.amazonaws.com', 'ap-northeast-1'],
  // Transfer Acceleration names no region
  ['my-bucket.s3-accelerate.amazonaws.com', undefined],
  ['my-bucket.s3-accelerate.dualstack.amazonaws.com', undefined],
  // VPC interface endpoints
  ['bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com', 'us-east-1'],
  ['vpce-0123-abcd.dynamodb.eu-north-1.vpce.amazonaws.com', 'eu-north-1'],
  // DynamoDB, SQS, STS and others, regional
  ['dynamodb.eu-west-1.amazonaws.com', 'eu-west-1'],
  ['streams.dynamodb.sa-east-1.amazonaws.com', 'sa-east-1'],
  ['123456789012.ddb.us-east-1.amazonaws.com', 'us-east-1'],
  ['sqs.us-east-2.amazonaws.com', 'us-east-2'],
  ['us-west-2.queue.amazonaws.com', 'us-west-2'],
  ['queue.amazonaws.com', 'us-east-1'],
  ['sts.us-west-2.amazonaws.com', 'us-west-2'],
  ['sts.amazonaws.com', 'us-east-1'],
  ['iam.amazonaws.com', 'us-east-1'],
  ['lambda.me-central-1.amazonaws.com', 'me-central-1'],
  ['abc123.execute-api.il-central-1.amazonaws.com', 'il-central-1'],
  ['abcdefg.lambda-url.ca-west-1.on.aws', 'ca-west-1'],
  // China, GovCloud, ISO and sovereign partitions
  ['s3.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ['my-bucket.s3.cn-northwest-1.amazonaws.com.cn', 'cn-northwest-1'],
  ['dynamodb.cn-northwest-1.amazonaws.com.cn', 'cn-northwest-1'],
  ['sts.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ['s3.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['s3-fips.us-gov-east-1.amazonaws.com', 'us-gov-east-1'],
  ['s3-fips-us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['sts.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
  ['s3.us-iso-east-1.c2s.ic.gov', 'us-iso-east-1'],
  ['s3.us-isob-east-1.sc2s.sgov.gov', 'us-isob-east-1'],
  ['s3.eusc-de-east-1.amazonaws.eu', 'eusc-de-east-1'],
  // global endpoints exist in the aws partition only
  ['s3.amazonaws.com.cn', undefined],
  // ports, case, trailing dots
  ['S3.US-WEST-2.AMAZONAWS.COM', 'us-west-2'],
  ['s3.us-west-2.amazonaws.com:443', 'us-west-2'],
  ['dynamodb.eu-west-1.amazonaws.com.', 'eu-west-1'],
  // not AWS, or names no region
  ['localhost', undefined],
  ['localhost:4566', undefined],
  ['127.0.0.1', undefined],
  ['[::1]:443', undefined],
  ['minio.internal.example.com', undefined],
  ['s3.us-west-2.amazonaws.com.evil.example', undefined],
  ['ec2.amazonaws.com', undefined],
  ['amazonaws.com', undefined],
  ['', undefined],
];

describe('regionFromHost', () => {
  it.each(HOSTS)('%s → %s', (host, region) => {
    expect(regionFromHost(host)).toBe(region);
  });

  it('returns undefined for a missing host', () => {
    expect(regionFromHost(undefined)).toBeUndefined();
  });
});

describe('isRegionName', () => {
  it.each([
    'us-east-1',
    'eu-central-2',
    'ap-southeast-5',
    'us-gov-west-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
    'cn-northwest-1',
    'mx-central-1',
  ])('%s is a region name', (name) => {
    expect(isRegionName(name)).toBe(true);
  });

  it.each([
    's3',
    'dualstack',
    'us-east-1a',
    'usw2-az1',
    's3-us-west-2',
    'US-EAST-1',
    'eu-west-1 ',
    '',
    undefined,
    42,
  ])('%s is not a region name', (name) => {
    expect(isRegionName(name)).toBe(false);
  });
});

describe('regionFromAvailabilityZone', () => {
  it.each([
    ['us-east-1a', 'us-east-1'],
    ['eu-west-3c', 'eu-west-3'],
    ['us-gov-west-1b', 'us-gov-west-1'],
    ['us-west-2-lax-1a', 'us-west-2'],
    ['ap-northeast-1-tpe-1a', 'ap-northeast-1'],
    ['use1-az1', undefined],
    ['us-east-1', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (zone, region) => {
    expect(regionFromAvailabilityZone(zone)).toBe(region);
  });
});

describe('regionFromArn', () => {
  it.each([
    ['arn:aws:ecs:us-west-2:123456789012:task/cluster/0123abcd', 'us-west-2'],
    ['arn:aws-cn:ecs:cn-north-1:123456789012:task/x', 'cn-north-1'],
    ['arn:aws:iam::123456789012:role/r', undefined],
    ['not-an-arn', undefined],
    [undefined, undefined],
  ])('%s → %s', (arn, region) => {
    expect(regionFromArn(arn)).toBe(region);
  });
});
