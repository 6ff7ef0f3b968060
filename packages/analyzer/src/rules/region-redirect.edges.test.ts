import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import type { AttemptSpec } from '../testing/span-factory.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// region-redirect pinned: cost = each redirected attempt + the handshake of the new connection after it,
// by status when recorded, else the first `redirects` attempts; grouped per region pair and bucket.
async function redirects(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'region-redirect');
}

function redirected(
  i: number,
  attempts: AttemptSpec[],
  extra: Record<string, string | number> = {},
  bucket = 'my-bucket',
) {
  return call({
    startMs: i * 1000,
    bucket,
    attributes: { 'wirescope.region.redirects': 1, 'wirescope.bucket.region': 'eu-west-1', ...extra },
    attempts,
  });
}

const wrongThenRight = (i: number): AttemptSpec[] => [
  { reused: true, statusCode: 301, durationMs: 80 },
  { reused: false, connectionId: `r${i}`, dnsMs: 3, tcpMs: 90, tlsMs: 95, durationMs: 400 },
];

describe('region-redirect, pinned', () => {
  it('costs the 301 attempt plus the re-run handshake (hand-computed: 80 + 3 + 90 + 95 = 268 per call)', async () => {
    const findings = await redirects([
      ...redirected(0, wrongThenRight(0)),
      ...redirected(1, wrongThenRight(1)),
    ]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '2 calls (S3.PutObject) to bucket my-bucket were sent to us-east-1 and redirected to eu-west-1: +268 ms each',
    );
    expect(f?.costMs).toBe(536);
    expect(f?.costPerCallMs).toBe(268);
    expect(f?.severity).toBe('error');
    expect(f?.costBasis).toBe('measured: the redirected attempt plus the new connection of the re-run');
    expect(f?.fix).toBe(
      'Create the S3 client in eu-west-1 (one client per bucket region) so calls go straight to the bucket instead of paying a redirect each time.',
    );
    expect(f?.evidence.counts).toEqual({ calls: 2, redirects: 2 });
    expect(f?.evidence.measurements).toEqual({ costPerCallMs: 268 });
  });

  it('307 and 400 are redirect statuses too; a 200 before the last attempt is not', async () => {
    for (const statusCode of [307, 400]) {
      const [f] = await redirects(
        redirected(0, [
          { reused: true, statusCode, durationMs: 30 },
          { reused: true, durationMs: 20 },
        ]),
      );
      expect(f?.costMs).toBe(30);
      expect(f?.severity).toBe('warning');
    }
    // No redirect status: the first `redirects` (1) attempt is the wasted one.
    const [f] = await redirects(
      redirected(0, [
        { reused: true, statusCode: 200, durationMs: 7 },
        { reused: true, durationMs: 20 },
      ]),
    );
    expect(f?.costMs).toBe(7);
    expect(f?.severity).toBe('info');
  });

  it('the last attempt is never wasted, and a re-run on a reused connection adds no handshake', async () => {
    const [f] = await redirects(
      redirected(0, [{ reused: true, statusCode: 301, durationMs: 12 }], { 'wirescope.region.redirects': 3 }),
    );
    expect(f?.costMs).toBe(0);
    expect(f?.severity).toBe('warning');
    expect(f?.summary).toBe(
      '1 call (S3.PutObject) to bucket my-bucket were sent to us-east-1 and redirected to eu-west-1: +0.0 ms each',
    );
    expect(f?.evidence.counts).toEqual({ calls: 1, redirects: 3 });
    const [g] = await redirects(
      redirected(
        0,
        [
          { reused: true, statusCode: 301, durationMs: 12 },
          { reused: false, connectionId: 'n', dnsMs: 1, tcpMs: 2, tlsMs: 3, durationMs: 50 },
          { reused: true, durationMs: 10 },
        ],
        { 'wirescope.region.redirects': 2 },
      ),
    );
    // Wasted by status: the 301 only (12 + the next one's handshake 6); the second is not a redirect status.
    expect(g?.costMs).toBe(18);
  });

  it('one finding per bucket; without a bucket region it says so', async () => {
    const findings = await redirects([
      ...redirected(0, wrongThenRight(0)),
      ...redirected(1, wrongThenRight(1), {}, 'other-bucket'),
    ]);
    expect(findings.map((f) => f.summary.split(' were ')[0])).toEqual([
      '1 call (S3.PutObject) to bucket my-bucket',
      '1 call (S3.PutObject) to bucket other-bucket',
    ]);
    const [f] = await redirects(
      call({
        startMs: 0,
        attributes: { 'wirescope.region.redirects': 1 },
        attempts: [{ reused: true, statusCode: 301, durationMs: 40 }, { reused: true }],
      }),
    );
    expect(f?.summary).toBe(
      "1 call (S3.PutObject) to bucket my-bucket were sent to us-east-1 and redirected to the bucket's region: +40 ms each",
    );
    expect(f?.fix).toContain("Create the S3 client in the bucket's region");
  });
});

/** The call's spans without these operation attributes (the factory always sets them). */
function without(spans: WireSpan[], ...keys: string[]): WireSpan[] {
  for (const key of keys) delete (spans[0] as WireSpan).attributes[key];
  return spans;
}

describe('region-redirect groups and texts when regions or the bucket are missing, pinned', () => {
  const sentTo = async (spans: WireSpan[]) =>
    (await redirects(spans)).map((f) => f.summary.split(' and redirected')[0]).sort();

  it('one finding per client region; the signing region stands in for a missing one', async () => {
    expect(
      await sentTo([
        ...redirected(0, wrongThenRight(0), { 'wirescope.client.region': 'us-east-1' }),
        ...redirected(1, wrongThenRight(1), { 'wirescope.client.region': 'us-west-2' }),
      ]),
    ).toEqual([
      '1 call (S3.PutObject) to bucket my-bucket were sent to us-east-1',
      '1 call (S3.PutObject) to bucket my-bucket were sent to us-west-2',
    ]);
    const signedOnly = (i: number, region: string) =>
      without(
        call({
          startMs: i * 1000,
          region,
          attributes: { 'wirescope.region.redirects': 1, 'wirescope.bucket.region': 'eu-west-1' },
          attempts: wrongThenRight(i),
        }),
        'wirescope.client.region',
      );
    expect(await sentTo([...signedOnly(0, 'us-east-1'), ...signedOnly(1, 'us-west-2')])).toEqual([
      '1 call (S3.PutObject) to bucket my-bucket were sent to us-east-1',
      '1 call (S3.PutObject) to bucket my-bucket were sent to us-west-2',
    ]);
  });

  it('neither client nor signing region: "the client region"', async () => {
    const [f] = await redirects(
      without(redirected(0, wrongThenRight(0)), 'wirescope.client.region', 'cloud.region'),
    );
    expect(f?.summary).toBe(
      '1 call (S3.PutObject) to bucket my-bucket were sent to the client region and redirected to eu-west-1: +268 ms each',
    );
  });

  it('no bucket on the call: "the bucket", one finding per bucket region', async () => {
    const findings = await redirects([
      ...without(redirected(0, wrongThenRight(0)), 'aws.s3.bucket'),
      ...without(
        redirected(1, wrongThenRight(1), { 'wirescope.bucket.region': 'ap-south-1' }),
        'aws.s3.bucket',
      ),
    ]);
    expect(findings.map((f) => f.summary).sort()).toEqual([
      '1 call (S3.PutObject) to the bucket were sent to us-east-1 and redirected to ap-south-1: +268 ms each',
      '1 call (S3.PutObject) to the bucket were sent to us-east-1 and redirected to eu-west-1: +268 ms each',
    ]);
  });
});
