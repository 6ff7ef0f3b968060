import { describe, expect, it } from 'vitest';
import { isRegionName, regionOfHost } from './region-of-host.js';

// Edges of the host parser that the table in region-of-host.test.ts does not reach.
describe('regionOfHost, edges', () => {
  it('says us-east-1 for the legacy global SQS host only in the aws partition', () => {
    expect(regionOfHost('queue.amazonaws.com')).toBe('us-east-1');
    expect(regionOfHost('queue.amazonaws.com.cn')).toBeUndefined();
    expect(regionOfHost('cn-north-1.queue.amazonaws.com.cn')).toBe('cn-north-1');
  });

  it('reads the dash form only from S3 labels', () => {
    expect(regionOfHost('s3-us-west-2.amazonaws.com')).toBe('us-west-2');
    expect(regionOfHost('my-bucket-us-west-2.amazonaws.com')).toBeUndefined();
  });

  it('strips a numeric port only', () => {
    expect(regionOfHost('s3.us-west-2.amazonaws.com:8443')).toBe('us-west-2');
    expect(regionOfHost('s3.us-west-2.amazonaws.com:x1')).toBeUndefined();
    expect(regionOfHost('s3.us-west-2.amazonaws.com:1x')).toBeUndefined();
  });

  it('names no region for S3 Transfer Acceleration and Multi-Region Access Points', () => {
    expect(regionOfHost('bucket.s3-accelerate.amazonaws.com')).toBeUndefined();
    expect(regionOfHost('mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com')).toBeUndefined();
  });
});

describe('isRegionName, edges', () => {
  it('accepts strings only', () => {
    expect(isRegionName('us-east-1')).toBe(true);
    expect(isRegionName(['us-east-1'])).toBe(false);
    expect(isRegionName({ toString: () => 'us-east-1' })).toBe(false);
  });
});
