// The scenarios whose fault only a local stand-in can inject on demand: a pool smaller than a burst,
// S3 throttling one key prefix, a lossy path under the TLS handshake, and a FIN on an idle socket
// under the fetch handler. Each has its before (the problem as found in the field) and its after
// (the fix the finding names, applied).
import { createHash } from 'node:crypto';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalWorld } from './local-world.js';
import { createDemoClient, type DemoClientOptions } from './s3-client.js';
import type { RunContext, Scenario, Variant } from './types.js';

const SMALL_BODY = Buffer.alloc(1024, 'w');

/** hot-prefix: characters of a key that make its partition, and the requests one partition takes at once. */
export const HOT_PREFIX_LENGTH = 4;
export const HOT_PREFIX_MAX_IN_FLIGHT = 2;
/** pool, hot-prefix: S3's own time to answer a PUT (s3rver's is CPU, which a busy machine serializes). */
export const S3_THINK_MS = 40;
/** pool: the agent's maxSockets before the fix. */
export const POOL_MAX_SOCKETS = 2;
/** slow-handshake: how long the lossy path holds each new connection's first server reply. */
export const LOSSY_HOLD_MS = 600;
/** fetch-fin: the server closes (FIN) sockets idle longer than this… */
export const FIN_IDLE_MS = 300;
/** …and the calls are this far apart, in turn (the short gap survives, the long one meets a closed socket). */
export const FIN_GAPS_MS = [100, 450] as const;

/** What these scenarios need of the demo: the world, where the code runs, and a client factory. */
export interface LocalScenarioKit {
  quick: boolean;
  world: LocalWorld;
  /** Where the code runs (and the bucket: these scenarios are same-region). */
  home: string;
}

const variant = (
  label: string,
  callerRegion: string,
  run: (context: RunContext) => Promise<void>,
  failuresExpected = false,
): Variant => ({ label, callerRegion, run, failuresExpected });

/** PutObject of each key at once (a burst), each call timed; `waves` bursts one after another. */
async function burst(context: RunContext, client: S3Client, keys: string[], waves = 1): Promise<void> {
  const size = Math.ceil(keys.length / waves);
  try {
    for (let start = 0; start < keys.length; start += size) {
      await Promise.all(
        keys
          .slice(start, start + size)
          .map((key) =>
            context.timed(() =>
              client.send(new PutObjectCommand({ Bucket: context.bucket, Key: key, Body: SMALL_BODY })),
            ),
          ),
      );
    }
  } finally {
    client.destroy();
  }
}

/** PutObject one after another, sleeping `gap(i)` ms before call i (i ≥ 1). */
async function spaced(context: RunContext, client: S3Client, key: string, gap: (i: number) => number) {
  try {
    for (let i = 0; i < context.calls; i++) {
      if (i > 0) await sleep(gap(i));
      await context.timed(() =>
        client.send(new PutObjectCommand({ Bucket: context.bucket, Key: `${key}/${i}`, Body: SMALL_BODY })),
      );
    }
  } finally {
    client.destroy();
  }
}

/** The 4-hex-digit hash prefix field report 001 recommends, in front of the key. */
const hashed = (key: string) => `${createHash('md5').update(key).digest('hex').slice(0, 4)}/${key}`;

/** Node 20's fetch takes its dispatcher from this global slot (undici's setGlobalDispatcher writes it). */
const DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Runs `fn` with an undici Agent of `options` as the fetch dispatcher, then restores the previous one.
 * The Agent is the class of the dispatcher Node's own fetch made (its bundled undici): npm undici 7's
 * Agent under Node 20's fetch rejects the SDK's PUTs ("invalid content-length header"). On Node 20 a user
 * installs undici 6 and calls its setGlobalDispatcher; the demo reaches the same class without a download.
 */
async function withFetchDispatcher(options: Record<string, number>, fn: () => Promise<void>): Promise<void> {
  const slot = globalThis as unknown as Record<symbol, unknown>;
  const previous = slot[DISPATCHER] as { constructor: new (o: object) => unknown } | undefined;
  // Imported only when Node's fetch has not made its dispatcher yet (the before run normally has).
  const AgentClass = previous?.constructor ?? (await import('undici')).Agent;
  const agent = new AgentClass(options) as { close(): Promise<void> };
  slot[DISPATCHER] = agent;
  try {
    await fn();
  } finally {
    slot[DISPATCHER] = previous;
    await agent.close();
  }
}

/** The four local-only scenarios. */
export async function buildLocalScenarios(kit: LocalScenarioKit): Promise<Scenario[]> {
  const { world, home, quick } = kit;
  const local = (port: number) => ({ kind: 'local' as const, routes: { [home]: port } });
  const client = (port: number, c: RunContext, extra: Partial<DemoClientOptions> = {}) =>
    createDemoClient({
      target: local(port),
      region: home,
      callerRegion: home,
      tracerProvider: c.tracerProvider,
      ...extra,
    });
  const scenarios: Scenario[] = [];

  // pool: bursts larger than the agent's maxSockets, as a server gets them; the fix gives the pool the
  // burst's size (the first burst opens the connections, the next ones reuse them).
  const poolBurst = quick ? 6 : 8;
  const waves = 3;
  const near = await world.s3Front(home, home, { thinkMs: S3_THINK_MS });
  const poolClient = (c: RunContext, maxSockets: number) =>
    client(near.port, c, {
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true, maxSockets }) }),
    });
  const poolKeys = (c: RunContext, key: string) =>
    Array.from({ length: c.calls }, (_, i) => `wirescope-demo/${key}/${i}`);
  scenarios.push({
    id: 'pool',
    shows: 'socket-pool-saturation',
    title: `${waves} bursts of ${poolBurst} uploads on an agent with maxSockets ${POOL_MAX_SOCKETS}`,
    calls: waves * poolBurst,
    before: variant(`https.Agent({ keepAlive: true, maxSockets: ${POOL_MAX_SOCKETS} })`, home, (c) =>
      burst(c, poolClient(c, POOL_MAX_SOCKETS), poolKeys(c, 'pool'), waves),
    ),
    after: variant(
      `https.Agent({ keepAlive: true, maxSockets: ${poolBurst} }): the peak in flight, as the finding says`,
      home,
      (c) => burst(c, poolClient(c, poolBurst), poolKeys(c, 'pool-fixed'), waves),
    ),
  });

  // hot-prefix: a burst of writes under one date prefix, throttled by the stand-in; the fix spreads the
  // keys over hashed prefixes (field report 001, example 1). maxAttempts 5: SlowDown is retried with
  // back-off and the demo's calls must get through.
  const hotBurst = quick ? 6 : 8;
  const hotWaves = 3;
  const throttled = await world.s3Front(home, home, {
    thinkMs: S3_THINK_MS,
    limit: { prefixLength: HOT_PREFIX_LENGTH, maxInFlight: HOT_PREFIX_MAX_IN_FLIGHT },
  });
  const hotClient = (c: RunContext) =>
    client(throttled.port, c, { maxAttempts: 5, s3KeyPrefixLength: HOT_PREFIX_LENGTH });
  const dated = (i: number) => `2024-06-01/logs/part-${String(i).padStart(4, '0')}`;
  scenarios.push({
    id: 'hot-prefix',
    shows: 'hot-prefix',
    title: `${hotWaves} bursts of ${hotBurst} writes to one key prefix; S3 throttles a prefix beyond ${HOT_PREFIX_MAX_IN_FLIGHT} in flight (503 SlowDown)`,
    seed: '001',
    calls: hotWaves * hotBurst,
    before: variant("keys '2024-06-01/logs/part-NNNN' (one prefix)", home, (c) =>
      burst(
        c,
        hotClient(c),
        Array.from({ length: c.calls }, (_, i) => dated(i)),
      ),
    ),
    after: variant("keys '<4 hex of md5(key)>/2024-06-01/…' (spread over prefixes)", home, (c) =>
      burst(
        c,
        hotClient(c),
        Array.from({ length: c.calls }, (_, i) => hashed(dated(i))),
      ),
    ),
  });

  // slow-handshake: a lossy path holds each new connection's ServerHello; without keep-alive every call
  // pays it, with keep-alive only the first.
  const lossy = await world.lossyProxy(home, home, LOSSY_HOLD_MS);
  const lossyClient = (c: RunContext, keepAlive: boolean) =>
    client(lossy.port, c, {
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive }) }),
    });
  scenarios.push({
    id: 'slow-handshake',
    shows: 'slow-handshake',
    title: `a lossy path: each new connection's first server reply arrives ${LOSSY_HOLD_MS} ms late`,
    seed: '003',
    calls: quick ? 3 : 4,
    before: variant('https.Agent({ keepAlive: false }): a handshake per call', home, (c) =>
      spaced(c, lossyClient(c, false), 'wirescope-demo/lossy', () => 0),
    ),
    after: variant('https.Agent({ keepAlive: true }): one handshake, then reuse', home, (c) =>
      spaced(c, lossyClient(c, true), 'wirescope-demo/lossy-fixed', () => 0),
    ),
  });

  // fetch-fin: the fetch handler on a server that closes idle sockets; undici does not see the FIN until it
  // writes, gets "other side closed" (UND_ERR_SOCKET), and the SDK does not retry it: the call fails.
  const [shortGap, longGap] = FIN_GAPS_MS;
  const ownIdle = Math.floor(shortGap * 0.8);
  const closing = await world.finProxy(home, home, FIN_IDLE_MS);
  const gap = (i: number) => (i % 2 === 1 ? shortGap : longGap);
  const fetchClient = (c: RunContext) => client(closing.port, c, { requestHandler: new FetchHttpHandler() });
  scenarios.push({
    id: 'fetch-fin',
    shows: 'unretried-socket-error',
    title: `the fetch handler; the server closes sockets idle > ${FIN_IDLE_MS} ms (calls ${shortGap} and ${longGap} ms apart, in turn)`,
    seed: '000',
    calls: quick ? 6 : 10,
    before: variant(
      'FetchHttpHandler, undici defaults (keep-alive 4 s)',
      home,
      (c) => spaced(c, fetchClient(c), 'wirescope-demo/fetch-fin', gap),
      true,
    ),
    after: variant(
      `undici Agent({ keepAliveTimeout: ${ownIdle}, keepAliveMaxTimeout: ${ownIdle} }) as the dispatcher: under the shortest gap, as the finding says`,
      home,
      (c) =>
        withFetchDispatcher({ keepAliveTimeout: ownIdle, keepAliveMaxTimeout: ownIdle }, () =>
          spaced(c, fetchClient(c), 'wirescope-demo/fetch-fin-fixed', gap),
        ),
    ),
  });

  return scenarios;
}
