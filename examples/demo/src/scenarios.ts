import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildLocalScenarios } from './local-scenarios.js';
import type { LocalWorld } from './local-world.js';
import { createDemoClient, type Target } from './s3-client.js';
import type { AwsOptions, RunContext, Scenario, Variant } from './types.js';
import { buildWaitScenarios } from './wait-scenarios.js';

/** Where the demo's code runs, and where the "far" bucket lives (seed 000: 64 ms apart). */
export const HOME_REGION = 'us-east-1';
export const FAR_REGION = 'us-west-2';
/** The stand-in server drops connections idle longer than this (S3 does after ~5–20 s). */
export const LOCAL_IDLE_DROP_MS = 300;
/** …and the stale scenario spaces its calls by this much, every other call… */
const LOCAL_STALE_SPACING_MS = 450;
/** …and by this much in between: sockets that survive show the analyzer where the cut-off is not. */
const LOCAL_SHORT_SPACING_MS = 100;
/** 3 MiB: above the SDK's 2 MiB threshold for `Expect: 100-continue`. */
const UPLOAD_BYTES = 3 * 1024 * 1024;

const SMALL_BODY = Buffer.alloc(1024, 'w');
const LARGE_BODY = Buffer.alloc(UPLOAD_BYTES, 'W');

/** How a scenario's variants reach S3: per client region, a local stand-in or AWS. */
interface Routing {
  /** Target for a variant whose code runs in `caller` and whose clients use the listed regions. */
  target(caller: string, regions: Record<string, 'plain' | 'wrong-region-front'>): Promise<Target>;
  /** Target whose idle connections are dropped after LOCAL_IDLE_DROP_MS (local only). */
  droppingTarget(caller: string): Promise<Target>;
}

function localRouting(world: LocalWorld): Routing {
  return {
    async target(caller, regions) {
      const routes: Record<string, number> = {};
      for (const [region, kind] of Object.entries(regions)) {
        const proxy =
          kind === 'wrong-region-front'
            ? await world.wrongRegionFront(caller, region, FAR_REGION)
            : await world.proxyTo(caller, region);
        routes[region] = proxy.port;
      }
      return { kind: 'local', routes };
    },
    async droppingTarget(caller) {
      const proxy = await world.droppingProxy(caller, caller, LOCAL_IDLE_DROP_MS);
      return { kind: 'local', routes: { [caller]: proxy.port } };
    },
  };
}

async function putEach(
  context: RunContext,
  clientFor: () => S3Client,
  key: string,
  body: Buffer,
  between?: () => Promise<void>,
  oneClientPerCall = false,
): Promise<void> {
  let shared: S3Client | undefined;
  try {
    for (let i = 0; i < context.calls; i++) {
      if (i > 0 && between) await between();
      await context.timed(async () => {
        if (!oneClientPerCall && !shared) shared = clientFor();
        const client = shared ?? clientFor();
        try {
          await client.send(new PutObjectCommand({ Bucket: context.bucket, Key: `${key}/${i}`, Body: body }));
        } finally {
          if (oneClientPerCall) client.destroy();
        }
      });
    }
  } finally {
    shared?.destroy();
  }
}

/** Like putEach with one client and small bodies, sleeping `gap(i)` before call i (i ≥ 1). */
async function putEachSpaced(
  context: RunContext,
  clientFor: () => S3Client,
  key: string,
  gap: (i: number) => Promise<unknown>,
): Promise<void> {
  const client = clientFor();
  try {
    for (let i = 0; i < context.calls; i++) {
      if (i > 0) await gap(i);
      await context.timed(() =>
        client.send(new PutObjectCommand({ Bucket: context.bucket, Key: `${key}/${i}`, Body: SMALL_BODY })),
      );
    }
  } finally {
    client.destroy();
  }
}

/** The scenarios, against the local world (`world`) or AWS (`aws`). */
export async function buildScenarios(
  quick: boolean,
  world: LocalWorld | undefined,
  aws: AwsOptions | undefined,
): Promise<Scenario[]> {
  const calls = quick ? 5 : 12;
  const home = aws?.callerRegion ?? HOME_REGION;
  const bucketRegion = aws?.bucketRegion ?? HOME_REGION;
  const routing: Routing | undefined = world ? localRouting(world) : undefined;
  const awsTarget: Target = { kind: 'aws' };
  const targetFor = async (caller: string, regions: Record<string, 'plain' | 'wrong-region-front'>) =>
    routing ? routing.target(caller, regions) : awsTarget;

  const variant = (
    label: string,
    callerRegion: string,
    run: (context: RunContext) => Promise<void>,
  ): Variant => ({ label, callerRegion, run });

  // healthy: one client, keep-alive (the SDK default): one handshake, then reuse.
  const near = await targetFor(home, { [bucketRegion]: 'plain' });
  const client = (target: Target, region: string, context: RunContext, extra = {}) =>
    createDemoClient({
      target,
      region,
      callerRegion: home,
      tracerProvider: context.tracerProvider,
      ...extra,
    });
  const scenarios: Scenario[] = [];

  scenarios.push({
    id: 'healthy',
    title: 'healthy keep-alive: one client, sockets reused',
    calls,
    before: variant('one client, keep-alive', home, (c) =>
      putEach(c, () => client(near, bucketRegion, c), 'wirescope-demo/healthy', SMALL_BODY),
    ),
    noAfterReason: 'baseline, nothing to fix',
  });

  scenarios.push({
    id: 'churn',
    shows: 'connection-churn',
    title: 'a client made per request (connection churn)',
    seed: '003',
    calls,
    before: variant('new S3Client per request', home, (c) =>
      putEach(c, () => client(near, bucketRegion, c), 'wirescope-demo/churn', SMALL_BODY, undefined, true),
    ),
    after: variant('one S3Client for all requests', home, (c) =>
      putEach(c, () => client(near, bucketRegion, c), 'wirescope-demo/churn-fixed', SMALL_BODY),
    ),
  });

  const staleWait = aws ? aws.staleWaitMs : LOCAL_STALE_SPACING_MS;
  if (staleWait > 0) {
    const dropping = routing ? await routing.droppingTarget(home) : awsTarget;
    const idleDrop = aws ? staleWait - 1000 : LOCAL_IDLE_DROP_MS;
    // Gaps alternate short (the socket survives) and long (it is dead): the finding's fix brackets the
    // server's cut-off between the two, and the fix applied is an idle timeout under the short gap.
    const shortWait = aws ? Math.min(1000, Math.floor(staleWait / 4)) : LOCAL_SHORT_SPACING_MS;
    const ownIdleTimeout = Math.floor(shortWait * 0.8);
    const gap = (i: number) => sleep(i % 2 === 1 ? shortWait : staleWait);
    scenarios.push({
      id: 'stale',
      shows: 'stale-connection-reset',
      title: `idle sockets dropped by the server after ${idleDrop} ms (calls ${shortWait} and ${staleWait} ms apart, in turn)`,
      seed: '000',
      calls,
      before: variant('default agent (no idle timeout)', home, (c) =>
        putEachSpaced(c, () => client(dropping, bucketRegion, c), 'wirescope-demo/stale', gap),
      ),
      after: variant(
        `https.Agent({ keepAlive: true, timeout: ${ownIdleTimeout} }): under the shortest gap, as the finding says`,
        home,
        (c) =>
          putEachSpaced(
            c,
            () =>
              client(dropping, bucketRegion, c, {
                requestHandler: new NodeHttpHandler({
                  httpsAgent: new https.Agent({ keepAlive: true, timeout: ownIdleTimeout }),
                }),
              }),
            'wirescope-demo/stale-fixed',
            gap,
          ),
      ),
    });
  }

  // 3 MiB uploads to the far bucket, as in seed 000 (where 100-continue cost one more 80 ms round
  // trip): each upload pays a new connection and the continue wait at cross-region RTT.
  const uploadRegion = aws ? aws.bucketRegion : FAR_REGION;
  const uploadTarget = await targetFor(home, { [uploadRegion]: 'plain' });
  scenarios.push({
    id: 'expect-continue',
    shows: 'expect-continue-no-reuse',
    title: `3 MiB uploads to ${uploadRegion}: Expect: 100-continue on a one-off agent, no reuse`,
    seed: '000',
    calls: quick ? 3 : 6,
    before: variant('SDK default handler', home, (c) =>
      putEach(c, () => client(uploadTarget, uploadRegion, c), 'wirescope-demo/upload', LARGE_BODY),
    ),
    after: variant('NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true }) })', home, (c) =>
      putEach(
        c,
        () =>
          client(uploadTarget, uploadRegion, c, {
            requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true }) }),
          }),
        'wirescope-demo/upload-fixed',
        LARGE_BODY,
      ),
    ),
  });

  // cross-region: the code runs in HOME, the bucket in FAR; the fix is a bucket next to the code.
  if (!aws || aws.callerRegion !== aws.bucketRegion) {
    const farRegion = aws ? aws.bucketRegion : FAR_REGION;
    const far = await targetFor(home, { [farRegion]: 'plain' });
    const homeTarget = await targetFor(home, { [home]: 'plain' });
    scenarios.push({
      id: 'cross-region',
      shows: 'cross-region',
      title: `a bucket in ${farRegion}, the code in ${home}`,
      seed: '000',
      calls,
      before: variant(`bucket in ${farRegion}`, home, (c) =>
        putEach(c, () => client(far, farRegion, c), 'wirescope-demo/cross-region', SMALL_BODY),
      ),
      ...(aws
        ? { noAfterReason: `needs a bucket in ${home}: not given` }
        : {
            after: variant(`bucket in ${home}`, home, (c) =>
              putEach(c, () => client(homeTarget, home, c), 'wirescope-demo/cross-region-fixed', SMALL_BODY),
            ),
          }),
    });
  }

  // redirect: the code and the bucket in FAR, the client configured for HOME (a copied config):
  // each call crosses to HOME, gets 301 + x-amz-bucket-region, and re-runs in FAR.
  const bucketHome = aws ? aws.bucketRegion : FAR_REGION;
  const wrong = bucketHome === HOME_REGION ? FAR_REGION : HOME_REGION;
  const redirecting = await targetFor(bucketHome, { [wrong]: 'wrong-region-front', [bucketHome]: 'plain' });
  const direct = await targetFor(bucketHome, { [bucketHome]: 'plain' });
  const redirectClient = (target: Target, region: string, c: RunContext) =>
    createDemoClient({
      target,
      region,
      callerRegion: bucketHome,
      tracerProvider: c.tracerProvider,
      followRegionRedirects: true,
    });
  scenarios.push({
    id: 'redirect',
    shows: 'region-redirect',
    title: `client region ${wrong}, bucket and code in ${bucketHome} (301 redirect each call)`,
    calls,
    before: variant(`S3Client({ region: '${wrong}', followRegionRedirects: true })`, bucketHome, (c) =>
      putEach(c, () => redirectClient(redirecting, wrong, c), 'wirescope-demo/redirect', SMALL_BODY),
    ),
    after: variant(`S3Client({ region: '${bucketHome}' })`, bucketHome, (c) =>
      putEach(c, () => redirectClient(direct, bucketHome, c), 'wirescope-demo/redirect-fixed', SMALL_BODY),
    ),
  });

  // The faults only a local stand-in injects on demand (throttling, a lossy path, FIN on idle), and
  // the calls that wait (an unread body, a 100 Continue never sent, a server that never answers).
  if (world) {
    scenarios.push(...(await buildLocalScenarios({ quick, world, home })));
    scenarios.push(...(await buildWaitScenarios({ quick, world, home })));
  }

  return scenarios;
}
