/** Default number of buckets whose region the plugin remembers. */
export const DEFAULT_MAX_REMEMBERED_BUCKETS = 1000;

/**
 * Bucket → region, as S3 last told us, bounded: the least recently used bucket is forgotten first.
 * S3 names a bucket's region only on some responses (HeadBucket, redirects, some errors); remembering
 * it lets every later call to that bucket carry `wirescope.bucket.region` too.
 */
export class BucketRegionMemory {
  readonly #regions = new Map<string, string>();
  readonly #capacity: number;

  /** `capacity` 0 (or less, or not an integer) remembers nothing. */
  constructor(capacity: number = DEFAULT_MAX_REMEMBERED_BUCKETS) {
    this.#capacity = Number.isInteger(capacity) && capacity > 0 ? capacity : 0;
  }

  /** The region remembered for `bucket`, marking it recently used. */
  get(bucket: string): string | undefined {
    const region = this.#regions.get(bucket);
    if (region === undefined) return undefined;
    this.#regions.delete(bucket);
    this.#regions.set(bucket, region);
    return region;
  }

  /** Remembers `region` for `bucket`, forgetting the least recently used bucket when full. */
  set(bucket: string, region: string): void {
    if (this.#capacity === 0) return;
    this.#regions.delete(bucket);
    this.#regions.set(bucket, region);
    while (this.#regions.size > this.#capacity) {
      const oldest = this.#regions.keys().next().value;
      if (oldest === undefined) break;
      this.#regions.delete(oldest);
    }
  }

  /** Number of buckets remembered. */
  get size(): number {
    return this.#regions.size;
  }
}
