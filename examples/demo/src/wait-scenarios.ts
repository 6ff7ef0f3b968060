// The scenarios of calls that wait (issue 18): on response bodies the app leaves unread, on a
// 100 Continue the server never sends, and on a server that never answers with no timeout in effect.
// Each has its before (the problem as found in the field) and its after (the fix the finding names).
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import type { LocalScenarioKit } from './local-scenarios.js';
import { createDemoClient, type DemoClientOptions } from './s3-client.js';
import type { RunContext, Scenario, Variant } from './types.js';

/** unconsumed-body: the agent's maxSockets… */
export const BODY_MAX_SOCKETS = 2;
/** …how long the app leaves the first bodies unread before it reads them… */
export const BODY_UNREAD_MS = 500;
/**
 * …and the grace period after which an unread body's span ends `unread` (the plugin's default is 5 s:
 * an instrumentation beside it asks for less, and the shortest asked for wins).
 */
export const BODY_GRACE_MS = 200;
/** no-timeout: the app's own deadline on a call (an abortSignal), above the rule's 2 s… */
export const APP_ABORT_MS = 3000;
/** …and the fix: the handler's requestTimeout. */
export const REQUEST_TIMEOUT_MS = 1000;

const SMALL_BODY = Buffer.alloc(1024, 'w');
/** 3 MiB: above the SDK's 2 MiB threshold for `Expect: 100-continue`. */
const LARGE_BODY = Buffer.alloc(3 * 1024 * 1024, 'W');

const variant = (
  label: string,
  callerRegion: string,
  run: (context: RunContext) => Promise<void>,
): Variant => ({
  label,
  callerRegion,
  run,
});

/**
 * GetObject of `BODY_MAX_SOCKETS` keys (their bodies read at once, or `BODY_UNREAD_MS` later), then as
 * many more at once, read at once: when the first bodies sit unread, the later calls queue for a socket.
 */
async function getBodies(context: RunContext, client: S3Client, key: string, readLate: boolean) {
  const grace = new HttpConnectionInstrumentation({
    recordOnActiveSpan: false,
    bodyGracePeriodMs: BODY_GRACE_MS,
  });
  const keys = Array.from({ length: BODY_MAX_SOCKETS }, (_, i) => `${key}/${i}`);
  const get = (k: string) => client.send(new GetObjectCommand({ Bucket: context.bucket, Key: k }));
  try {
    for (const k of keys) {
      await client.send(new PutObjectCommand({ Bucket: context.bucket, Key: k, Body: SMALL_BODY }));
    }
    const first = [];
    for (const k of keys) {
      first.push(
        await context.timed(async () => {
          const object = await get(k);
          if (!readLate) await object.Body?.transformToString();
          return object;
        }),
      );
    }
    const later = Promise.all(
      keys.map((k) => context.timed(async () => (await get(k)).Body?.transformToString())),
    );
    if (readLate) {
      await sleep(BODY_UNREAD_MS);
      for (const object of first) await object?.Body?.transformToString();
    }
    await later;
  } finally {
    grace.disable();
    client.destroy();
  }
}

/** One PutObject per call, each timed. */
async function putEach(context: RunContext, client: S3Client, key: string, body: Buffer): Promise<void> {
  try {
    for (let i = 0; i < context.calls; i++) {
      await context.timed(() =>
        client.send(new PutObjectCommand({ Bucket: context.bucket, Key: `${key}/${i}`, Body: body })),
      );
    }
  } finally {
    client.destroy();
  }
}

/**
 * One PutObject per call to a server that never answers, each timed, the app's abortSignal on each: the
 * call must end with the error named `expected` (the app's AbortError, or the SDK's TimeoutError), which
 * the app handles; any other outcome fails the run.
 */
async function putUnanswered(context: RunContext, client: S3Client, key: string, expected: string) {
  try {
    for (let i = 0; i < context.calls; i++) {
      await context.timed(async () => {
        const command = new PutObjectCommand({
          Bucket: context.bucket,
          Key: `${key}/${i}`,
          Body: SMALL_BODY,
        });
        const outcome = await client.send(command, { abortSignal: AbortSignal.timeout(APP_ABORT_MS) }).then(
          () => 'an answer',
          (error: unknown) => (error instanceof Error ? error.name : String(error)),
        );
        if (outcome !== expected) throw new Error(`expected ${expected}, the call ended with ${outcome}`);
      });
    }
  } finally {
    client.destroy();
  }
}

/** The three scenarios of calls that wait. */
export async function buildWaitScenarios(kit: LocalScenarioKit): Promise<Scenario[]> {
  const { world, home } = kit;
  const client = (port: number, c: RunContext, extra: Partial<DemoClientOptions> = {}) =>
    createDemoClient({
      target: { kind: 'local', routes: { [home]: port } },
      region: home,
      callerRegion: home,
      tracerProvider: c.tracerProvider,
      ...extra,
    });
  const scenarios: Scenario[] = [];

  // unconsumed-body: GetObject bodies the app reads late hold both sockets of the pool; the next calls
  // queue until they are read. The fix reads each body at once.
  const plain = await world.proxyTo(home, home);
  const bodyClient = (c: RunContext) =>
    client(plain.port, c, {
      requestHandler: new NodeHttpHandler({
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: BODY_MAX_SOCKETS }),
      }),
    });
  scenarios.push({
    id: 'unread-body',
    shows: 'unconsumed-body',
    title: `${BODY_MAX_SOCKETS} GetObject bodies left unread ${BODY_UNREAD_MS} ms on an agent with maxSockets ${BODY_MAX_SOCKETS}, then ${BODY_MAX_SOCKETS} more calls`,
    calls: 2 * BODY_MAX_SOCKETS,
    before: variant(`Body read ${BODY_UNREAD_MS} ms after the call returns`, home, (c) =>
      getBodies(c, bodyClient(c), 'wirescope-demo/unread', true),
    ),
    after: variant('await Body.transformToString() as the call returns, as the finding says', home, (c) =>
      getBodies(c, bodyClient(c), 'wirescope-demo/unread-fixed', false),
    ),
  });

  // continue-timer: a server that never answers `Expect: 100-continue`; the SDK sends the body when
  // its fallback timer (6 s) fires. The fix turns the header off.
  const noContinue = await world.s3Front(home, home, { neverContinue: true });
  scenarios.push({
    id: 'continue-timer',
    shows: 'expect-continue-timeout',
    title: 'a 3 MiB upload to a server that never answers Expect: 100-continue',
    calls: 1,
    before: variant('SDK default (the header on uploads from 2 MiB)', home, (c) =>
      putEach(c, client(noContinue.port, c), 'wirescope-demo/continue', LARGE_BODY),
    ),
    after: variant('S3Client({ expectContinueHeader: false }), as the finding says', home, (c) =>
      putEach(
        c,
        client(noContinue.port, c, { expectContinueHeader: false }),
        'wirescope-demo/continue-fixed',
        LARGE_BODY,
      ),
    ),
  });

  // hang: a server that never answers, a handler with no timeout; the app's own abortSignal ends the
  // call. The fix limits the call in the handler: the SDK ends it with its own timeout error. One attempt
  // per call, so that the SDK's retries do not outlast the app's deadline.
  const silent = await world.s3Front(home, home, { neverAnswer: true });
  scenarios.push({
    id: 'hang',
    shows: 'no-timeout',
    title: `a server that never answers; the app aborts each call after ${APP_ABORT_MS} ms (maxAttempts 1)`,
    calls: 1,
    before: variant(
      'SDK default NodeHttpHandler (no requestTimeout): each call ends in AbortError',
      home,
      (c) =>
        putUnanswered(c, client(silent.port, c, { maxAttempts: 1 }), 'wirescope-demo/hang', 'AbortError'),
    ),
    after: variant(
      `NodeHttpHandler({ requestTimeout: ${REQUEST_TIMEOUT_MS}, throwOnRequestTimeout: true }), as the finding says: each call ends in the SDK's TimeoutError`,
      home,
      (c) =>
        putUnanswered(
          c,
          client(silent.port, c, {
            maxAttempts: 1,
            requestHandler: new NodeHttpHandler({
              requestTimeout: REQUEST_TIMEOUT_MS,
              throwOnRequestTimeout: true,
            }),
          }),
          'wirescope-demo/hang-fixed',
          'TimeoutError',
        ),
    ),
  });

  return scenarios;
}
