import { describe, expect, it } from 'vitest';
import { BucketRegionMemory } from './bucket-region-memory.js';
import { bucketRegionFromError } from './error-region.js';

describe('BucketRegionMemory', () => {
  it('remembers and updates a bucket region', () => {
    const memory = new BucketRegionMemory(10);
    expect(memory.get('a')).toBeUndefined();
    memory.set('a', 'eu-west-1');
    expect(memory.get('a')).toBe('eu-west-1');
    memory.set('a', 'us-east-2');
    expect(memory.get('a')).toBe('us-east-2');
    expect(memory.size).toBe(1);
  });

  it('is bounded: the least recently used bucket is forgotten first', () => {
    const memory = new BucketRegionMemory(3);
    memory.set('a', 'r-a');
    memory.set('b', 'r-b');
    memory.set('c', 'r-c');
    expect(memory.get('a')).toBe('r-a'); // a is now the most recently used
    memory.set('d', 'r-d'); // forgets b
    expect(memory.size).toBe(3);
    expect(memory.get('b')).toBeUndefined();
    expect(memory.get('a')).toBe('r-a');
    expect(memory.get('c')).toBe('r-c');
    expect(memory.get('d')).toBe('r-d');
  });

  it('holds at most the default 1000 buckets', () => {
    const memory = new BucketRegionMemory();
    for (let i = 0; i < 1500; i++) memory.set(`bucket-${i}`, 'us-east-1');
    expect(memory.size).toBe(1000);
    expect(memory.get('bucket-499')).toBeUndefined();
    expect(memory.get('bucket-500')).toBe('us-east-1');
  });

  it('capacity 0 remembers nothing', () => {
    const memory = new BucketRegionMemory(0);
    memory.set('a', 'eu-west-1');
    expect(memory.get('a')).toBeUndefined();
    expect(memory.size).toBe(0);
  });
});

describe('bucketRegionFromError', () => {
  it.each([
    [
      'AuthorizationHeaderMalformed <Region>',
      { name: 'AuthorizationHeaderMalformed', Region: 'eu-west-1' },
      'eu-west-1',
    ],
    ['<Region> with odd case and spaces', { Region: ' EU-WEST-1 ' }, 'eu-west-1'],
    [
      'PermanentRedirect <Endpoint>',
      { name: 'PermanentRedirect', Endpoint: 'bkt.s3.eu-central-1.amazonaws.com' },
      'eu-central-1',
    ],
    ['PermanentRedirect to the global endpoint', { Endpoint: 'bkt.s3.amazonaws.com' }, 'us-east-1'],
    ['a junk <Region>', { Region: '<script>' }, undefined],
    [
      'a junk <Region> with a good <Endpoint>',
      { Region: 'nowhere', Endpoint: 's3.us-west-1.amazonaws.com' },
      'us-west-1',
    ],
    ['no region fields', { name: 'NoSuchKey' }, undefined],
    ['not an object', 'boom', undefined],
    ['undefined', undefined, undefined],
  ])('%s', (_label, error, region) => {
    expect(bucketRegionFromError(error)).toBe(region);
  });
});
