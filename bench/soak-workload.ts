// The soak workload shared by bench/soak.ts (minutes) and test/soak.test.ts (seconds): PutObject and
// GetObject (body read) in a few concurrent lanes until the time is up.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  durationMs: number;
  /** Calls in flight at once; default 4. */
  concurrency?: number;
  bucket?: string;
  /** Called every `everyMs` with the calls done so far. */
  onTick?: (calls: number) => void;
  everyMs?: number;
}

/** Runs the workload; resolves with the number of SDK calls made. Throws on the first failed call. */
export async function runSoak(client: S3Client, options: SoakOptions): Promise<number> {
  const bucket = options.bucket ?? 'soak';
  const deadline = Date.now() + options.durationMs;
  let calls = 0;
  let nextTick = Date.now() + (options.everyMs ?? Number.POSITIVE_INFINITY);
  const lane = async (id: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const Key = `lane${id}/k${i % 16}`;
      const body = `body-${id}-${i}`;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body }));
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const text = await got.Body?.transformToString();
      if (text !== body) throw new Error(`GetObject ${Key}: expected ${body}, got ${text}`);
      calls += 2;
      if (Date.now() >= nextTick) {
        nextTick = Date.now() + (options.everyMs ?? Number.POSITIVE_INFINITY);
        options.onTick?.(calls);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, (_, id) => lane(id)));
  return calls;
}
