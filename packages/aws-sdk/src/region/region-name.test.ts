import { describe, expect, it } from 'vitest';
import { regionFromArn, regionFromAvailabilityZone } from './region-name.js';

// Host → region and region-name validation are tested with the shared module in @wirescope/semconv.

describe('regionFromAvailabilityZone', () => {
  it.each([
    ['us-east-1a', 'us-east-1'],
    ['eu-west-3c', 'eu-west-3'],
    ['us-gov-west-1b', 'us-gov-west-1'],
    ['us-west-2-lax-1a', 'us-west-2'],
    ['ap-northeast-1-tpe-1a', 'ap-northeast-1'],
    ['us-east-1-wl1-bos-wlz-1', 'us-east-1'],
    ['US-EAST-1B', 'us-east-1'],
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
