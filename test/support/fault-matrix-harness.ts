// The fault-matrix runner shared by test/fault-matrix-node.test.ts and test/fault-matrix-fetch.test.ts:
// the misbehaving servers, the bare runs (all before the first wirescope() call), the bare-vs-traced
// comparison, the span checks and the matrix printing. Each test file only lists its scenarios.

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SpanStatusCode } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { ATTR_CONNECTION_QUEUE_MS, ATTR_ERROR_TYPE, ATTR_SOCKET_RESET } from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './clients.js';
import {
  type BlackHole,
  type CallOutcome,
  operations,
  outcomeOf,
  type RawServer,
  sleep,
  startBlackHole,
  startMidUploadCloser,
  startSilentServer,
} from './fault-matrix.js';
import type { TestTracing } from './otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './s3-server.js';
import { attr } from './span-query.js';
import { startTcpProxy, type TcpProxyHandle } from './tcp-proxy.js';

/** The codes that mean the peer reset or closed the socket (PRODUCT.md `wirescope.socket.reset`). */
const RESET_CODES = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'];

function matchesType(expected: string | RegExp | undefined, code: string): boolean {
  if (expected === undefined) return false;
  return typeof expected === 'string' ? expected === code : expected.test(code);
}

/** The bucket the matrix seeds (`seed` → `seed-body`) and writes to. */
export const FAULT_BUCKET = 'fault-matrix';

/** The servers a scenario may call; filled in beforeAll, so read them inside `run` only. */
export interface FaultServers {
  s3: S3ServerHandle;
  /** A 20 ms latency proxy in front of `s3`. */
  slowProxy: TcpProxyHandle;
  midUpload: RawServer;
  silent: RawServer;
  blackHole: BlackHole;
}

/** One fault: run bare and traced, compared, and its spans checked. */
export interface Scenario {
  name: string;
  /** Operation span name of the calls. */
  operation: 'S3.PutObject' | 'S3.GetObject';
  /** Runs the calls on a fresh client; returns one outcome per call. */
  run(withPlugin: boolean): Promise<CallOutcome[]>;
  /** What the SDK does, asserted on both runs. */
  expected: Partial<CallOutcome>[];
  /** `error.type` of each failed attempt span (of every call). */
  attemptErrorType?: string | RegExp;
  /** The second call's first attempt went out on a socket the server had dropped: `socket.reset`. */
  secondCallReset?: boolean;
  /** At least this many attempts waited for a pooled connection (`connection.queue_ms` > 0). */
  minQueuedAttempts?: number;
}

/** An S3 client (2 attempts) on `requestHandler`, with the plugin on `tracing` when `withPlugin`. */
export function matrixClient(
  tracing: TestTracing,
  endpoint: string,
  withPlugin: boolean,
  requestHandler: unknown,
): S3Client {
  const c = createS3Client(endpoint, { maxAttempts: 2, requestHandler });
  if (withPlugin) c.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  return c;
}

/** A PutObject of `Body` under `Key`, reduced to its outcome. */
export const putOutcome = (c: S3Client, Key: string, Body: string | Uint8Array = 'x') =>
  outcomeOf(c.send(new PutObjectCommand({ Bucket: FAULT_BUCKET, Key, Body })));

/** `count` concurrent GetObject of the seed object, each body read (an unread body holds its socket). */
export const concurrentSeedGets = (c: S3Client, count: number) =>
  Promise.all(
    Array.from({ length: count }, () =>
      outcomeOf(
        c.send(new GetObjectCommand({ Bucket: FAULT_BUCKET, Key: 'seed' })).then(async (out) => {
          await out.Body?.transformToString();
          return out;
        }),
      ),
    ),
  );

/** put → idle → put through a fresh proxy: fetch's pool is process-wide, so a proxy shared by the
 * bare and the traced run would hand the traced run's first call a stale socket of the bare run. */
export async function staleSocketCalls(
  servers: FaultServers,
  drop: 'resetAfterIdleMs' | 'finAfterIdleMs',
  client: (endpoint: string) => S3Client,
): Promise<CallOutcome[]> {
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: servers.s3.port }, [drop]: 150 });
  try {
    const c = client(`https://localhost:${proxy.port}`);
    const first = await putOutcome(c, 'a');
    await sleep(300);
    const second = await putOutcome(c, 'b');
    c.destroy();
    return [first, second];
  } finally {
    await proxy.close();
  }
}

/** An empty {@link FaultServers}, filled by {@link describeFaultMatrix}'s beforeAll. */
export const faultServers = (): FaultServers => ({}) as FaultServers;

/**
 * Registers the servers' lifecycle and one test per scenario: every bare run happens in beforeAll,
 * before the first wirescope() call (the plugin's socket hooks are process-wide); each test then
 * runs its scenario traced and compares. WIRESCOPE_PRINT_MATRIX=1 prints what each fault did.
 */
export function describeFaultMatrix(
  title: string,
  tracing: TestTracing,
  servers: FaultServers,
  scenarios: Scenario[],
): void {
  const bare = new Map<string, CallOutcome[]>();
  const matrix: { fault: string; outcome: string; attemptErrorTypes: string }[] = [];

  beforeAll(async () => {
    servers.s3 = await startS3Server();
    const setup = createS3Client(servers.s3.endpoint);
    await createTestBucket(setup, FAULT_BUCKET);
    await setup.send(new PutObjectCommand({ Bucket: FAULT_BUCKET, Key: 'seed', Body: 'seed-body' }));
    setup.destroy();
    const target = { host: '127.0.0.1', port: servers.s3.port };
    servers.slowProxy = await startTcpProxy({ target, latencyMs: 20 });
    servers.midUpload = await startMidUploadCloser(64 * 1024);
    servers.silent = await startSilentServer();
    servers.blackHole = await startBlackHole();
    for (const scenario of scenarios) bare.set(scenario.name, await scenario.run(false));
  }, 60_000);

  afterAll(async () => {
    if (process.env['WIRESCOPE_PRINT_MATRIX']) console.table(matrix);
    const { slowProxy, midUpload, silent, blackHole } = servers;
    await Promise.all([slowProxy, midUpload, silent, blackHole].map((s) => s?.close()));
    await servers.s3?.close();
    await tracing.shutdown();
  });

  describe(title, () => {
    it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
      const without = bare.get(scenario.name)!;
      expect(without).toMatchObject(scenario.expected);

      tracing.reset();
      const traced = await scenario.run(true);
      // The application sees exactly the same thing with the plugin.
      expect(traced).toEqual(without);

      // Nothing lost: one operation span per call, one attempt span per SDK attempt.
      const ops = operations(tracing.spans(), scenario.operation);
      expect(ops).toHaveLength(traced.length);
      expect(ops.map((o) => o.attempts.length).sort()).toEqual(traced.map((o) => o.attempts).sort());

      // The spans classify the fault, as the scenario defines it (not as the spans say): a call that
      // succeeded after n attempts had n − 1 failed ones, then a good one; a failed call failed on
      // every attempt. Each failed attempt carries ERROR status and the injected error.type, and
      // socket.reset exactly when the injected fault is a reset; the others carry none of them.
      const resetFault = RESET_CODES.some((code) => matchesType(scenario.attemptErrorType, code));
      ops.forEach(({ op, attempts }, call) => {
        const outcome = traced[call]!;
        const failedCount = outcome.ok ? (outcome.attempts ?? 1) - 1 : (outcome.attempts ?? 1);
        attempts.forEach((attempt, index) => {
          const where = `${scenario.name}: call ${call + 1}, attempt ${index + 1}`;
          if (index < failedCount) {
            expect(
              scenario.attemptErrorType,
              `${where} failed: the scenario must name its error`,
            ).toBeDefined();
            expect(attempt.status.code, where).toBe(SpanStatusCode.ERROR);
            expect(String(attr(attempt, ATTR_ERROR_TYPE)), where).toMatch(scenario.attemptErrorType!);
            if (resetFault) expect(attr(attempt, ATTR_SOCKET_RESET), where).toBe(true);
            else expect(attr(attempt, ATTR_SOCKET_RESET), where).not.toBe(true);
          } else {
            expect(attempt.status.code, where).not.toBe(SpanStatusCode.ERROR);
            expect(attr(attempt, ATTR_ERROR_TYPE), where).toBeUndefined();
          }
        });
        if (outcome.ok) {
          expect(op.status.code, `${scenario.name}: call ${call + 1}`).not.toBe(SpanStatusCode.ERROR);
        } else {
          expect(op.status.code, `${scenario.name}: call ${call + 1}`).toBe(SpanStatusCode.ERROR);
          expect(String(attr(op, ATTR_ERROR_TYPE))).toMatch(scenario.attemptErrorType!);
        }
      });
      matrix.push({
        fault: scenario.name,
        outcome: traced
          .map((o) => (o.ok ? `ok/${o.attempts}` : `${o.errorName}(${o.errorCode ?? '-'})/${o.attempts}`))
          .join(' '),
        attemptErrorTypes: ops
          .flatMap((o) => o.attempts.map((a) => String(attr(a, ATTR_ERROR_TYPE) ?? 'ok')))
          .join(','),
      });
      if (scenario.secondCallReset) {
        const stale = ops[1]!.attempts[0]!;
        expect(attr(stale, ATTR_SOCKET_RESET)).toBe(true);
      }
      if (scenario.minQueuedAttempts !== undefined) {
        const queued = ops
          .flatMap((o) => o.attempts)
          .filter((a) => Number(attr(a, ATTR_CONNECTION_QUEUE_MS)) > 0);
        expect(queued.length).toBeGreaterThanOrEqual(scenario.minQueuedAttempts);
      }
    });
  });
}
