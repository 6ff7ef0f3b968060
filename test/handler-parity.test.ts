// Issue 13, "Must be shown by tests": one parity suite. The same scenarios (reuse, new connection,
// queue, RST, FIN, timeout, TLS) run on the AWS SDK's NodeHttpHandler and on FetchHttpHandler, against
// the same real local HTTPS server, and the attempt span and its phase spans (dns.lookup, tcp.connect,
// tls.handshake) are compared: attribute keys, value types, the values of the facts both handlers must
// agree on, and the rounding of durations (at most 3 decimals, the same on both). The differences the
// handlers have on purpose are listed below as data, each with its reason; the suite fails on any
// difference not in that list, and on a listed difference that no longer occurs.
import https from 'node:https';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
} from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type CallOutcome, outcomeOf, sleep } from './support/fault-matrix.js';
import { createTestTracing } from './support/otel.js';
import { type ParityBehaviour, type ParityServer, startParityServer } from './support/parity-server.js';
import {
  decimals,
  differences,
  matches,
  producedFacts,
  type SlotShape,
  slotsOf,
  staleEntries,
  unlisted,
} from './support/parity-shapes.js';
import { spansNamed } from './support/span-query.js';

type Handler = 'node' | 'fetch';
const HANDLERS: readonly Handler[] = ['node', 'fetch'];
const BUCKET = 'parity';
/** The SDK's retry budget on every client: one retry, so RST and FIN show what each handler does. */
const MAX_ATTEMPTS = 2;
const DUR_DECIMALS = 3;
const DISPATCHER = Symbol.for('undici.globalDispatcher.1');

// ---------------------------------------------------------------------------------------------------
// The deliberate differences: `scenario | slot | key | kind` → why. `*` as scenario or slot matches
// any (such an entry must still match at least one observed difference). Kinds: `only node` / `only
// fetch` (the key, or `(span)` for a whole span, on one handler only), `type node≠fetch`, `value
// node≠fetch` (values shown normalized: digits of connection ids as #).
// ---------------------------------------------------------------------------------------------------
// Not listed, because the ports onto @wirescope/instrumentation remove them (issue 13): the rounding of
// fetch's durations (0.1 ms), `wirescope.socket.reset=false` missing on fetch, fetch's connection ids
// (`c<pid>-u<n>`), and the phase spans' attributes that differ between the two producers.
// Fetch's pool wait is inferred from timings and waits under its noise threshold are dropped, while
// node measures the agent's queue: in these scenarios both write `queue_ms` on the queued call only,
// so that difference never shows and is not listed.
const AGENT_ONLY =
  "the http.Agent's options; fetch's dispatcher exposes none (FetchHttpHandler's keepAlive only sets Request.keepalive)";
const FIN_NOT_RETRIED =
  'fetch does not retry a FIN: undici fails the call with UND_ERR_SOCKET "other side closed", which the SDK does not retry (FIELD-NOTES)';
const SESSION_EVICTED =
  "Node's https.Agent evicts its cached TLS session when a socket closes with an error; undici keeps it, so fetch's retry resumes";
/**
 * Deliberate differences that depend on timing, so a run may not show them: allowed, never required.
 * fetch infers the pool wait from timings (create → write, less the connect) and keeps waits of 5 ms
 * or more, so a slow first connection can read as a wait; node measures the agent's queue, empty here.
 * The queue scenario asserts the real wait on both handlers separately.
 */
const TIMING_DEPENDENT: Record<string, string> = {
  '* | * | wirescope.connection.queue_ms | only fetch':
    'fetch infers the pool wait from timings and keeps waits ≥ 5 ms; node measures the agent queue',
};
const DELIBERATE: Record<string, string> = {
  '* | * | wirescope.agent.keep_alive | only node': AGENT_ONLY,
  '* | * | wirescope.agent.max_sockets | only node': AGENT_ONLY,
  'FIN | call 2 attempt 2 | (span) | only node': FIN_NOT_RETRIED,
  'FIN | call 2 attempt 2 > dns.lookup | (span) | only node': FIN_NOT_RETRIED,
  'FIN | call 2 attempt 2 > tcp.connect | (span) | only node': FIN_NOT_RETRIED,
  'FIN | call 2 attempt 2 > tls.handshake | (span) | only node': FIN_NOT_RETRIED,
  'FIN | call 2 attempt 1 | error.type | value node≠fetch':
    'the real code of each handler\'s error: node "socket hang up" ECONNRESET, undici "other side closed" UND_ERR_SOCKET',
  'timeout | call 1 attempt 1 | error.type | value node≠fetch':
    "node-http-handler's request timer sets code ETIMEDOUT (the real code wins); fetch-http-handler's has no code: REQUEST_TIMEOUT",
  'timeout | call 1 attempt 2 | error.type | value node≠fetch':
    "node-http-handler's request timer sets code ETIMEDOUT (the real code wins); fetch-http-handler's has no code: REQUEST_TIMEOUT",
  'timeout | call 1 attempt 1 | wirescope.socket.error | only node':
    'node-http-handler destroys the socket with its timeout error; fetch aborts the request, no socket error',
  'timeout | call 1 attempt 2 | wirescope.socket.error | only node':
    'node-http-handler destroys the socket with its timeout error; fetch aborts the request, no socket error',
  'RST | call 2 attempt 2 | tls.resumed | value node≠fetch': SESSION_EVICTED,
  'RST | call 2 attempt 2 > tls.handshake | tls.resumed | value node≠fetch': SESSION_EVICTED,
  'timeout | call 1 attempt 2 | tls.resumed | value node≠fetch': SESSION_EVICTED,
  'timeout | call 1 attempt 2 > tls.handshake | tls.resumed | value node≠fetch': SESSION_EVICTED,
};

/** One scenario: the server's behaviour, the client's options, the calls. */
interface ParityScenario {
  name: string;
  /** Operation span name of the calls; default S3.PutObject. */
  operation?: 'S3.PutObject' | 'S3.GetObject';
  behaviour: ParityBehaviour;
  /** Server delay before each 200, ms. */
  delayMs?: number;
  /** Handler requestTimeout, ms. */
  requestTimeout?: number;
  /** One connection per origin: an https.Agent with maxSockets 1 / an undici Agent with connections 1. */
  poolOfOne?: boolean;
  calls(client: S3Client): Promise<CallOutcome[]>;
  /**
   * What the scenario must have produced, on BOTH handlers (so parity is not two equal blanks): per
   * slot, attribute values, or `true` for a slot (a span) that must exist.
   */
  produces: Record<string, Record<string, AttributeValue> | true>;
}

const put = (client: S3Client, key: string) =>
  outcomeOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` })));

/** A GetObject whose (empty) body is read: an unread body would hold its socket. */
const get = (client: S3Client, key: string) =>
  outcomeOf(
    client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).then(async (out) => {
      await out.Body?.transformToString();
      return out;
    }),
  );

/** put → idle → put: the second call goes out on the socket the first one left in the pool. */
const twoSequential = async (client: S3Client): Promise<CallOutcome[]> => {
  const first = await put(client, 'first');
  await sleep(50);
  return [first, await put(client, 'second')];
};

const SCENARIOS: ParityScenario[] = [
  {
    name: 'reuse',
    behaviour: 'ok',
    calls: twoSequential,
    produces: { 'call 2 attempt 1': { [ATTR_CONNECTION_REUSED]: true } },
  },
  {
    name: 'new connection',
    behaviour: 'ok',
    calls: async (c) => [await put(c, 'only')],
    produces: {
      'call 1 attempt 1': { [ATTR_CONNECTION_REUSED]: false },
      'call 1 attempt 1 > dns.lookup': true,
      'call 1 attempt 1 > tcp.connect': true,
      'call 1 attempt 1 > tls.handshake': true,
    },
  },
  {
    name: 'queue',
    // GetObject: npm undici's Agent (the only way to limit fetch's pool) refuses the content-length
    // header Node 20's fetch sends with a PutObject body (UND_ERR_INVALID_ARG).
    operation: 'S3.GetObject',
    behaviour: 'ok',
    // Long enough that the second call's wait is far above fetch's noise threshold.
    delayMs: 80,
    poolOfOne: true,
    calls: (c) => Promise.all([get(c, 'a'), get(c, 'b')]),
    // Its queue_ms is checked apart: a duration, not a value.
    produces: { 'call 2 attempt 1': { [ATTR_CONNECTION_REUSED]: true } },
  },
  {
    name: 'RST',
    behaviour: 'rst-on-reuse',
    calls: twoSequential,
    produces: {
      'call 2 attempt 1': {
        [ATTR_CONNECTION_REUSED]: true,
        [ATTR_SOCKET_RESET]: true,
        [ATTR_ERROR_TYPE]: 'ECONNRESET',
      },
      'call 2 attempt 2': { [ATTR_CONNECTION_REUSED]: false, [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 },
    },
  },
  {
    name: 'FIN',
    behaviour: 'fin-on-reuse',
    calls: twoSequential,
    produces: { 'call 2 attempt 1': { [ATTR_CONNECTION_REUSED]: true, [ATTR_SOCKET_RESET]: true } },
  },
  {
    name: 'timeout',
    behaviour: 'silent',
    requestTimeout: 300,
    calls: async (c) => [await put(c, 'never answered')],
    produces: { 'call 1 attempt 1': true, 'call 1 attempt 2': true },
  },
  // Connection: close after each response: the second call opens a new TLS connection, resumed.
  {
    name: 'TLS',
    behaviour: 'close',
    calls: twoSequential,
    produces: {
      'call 1 attempt 1': { [ATTR_TLS_PROTOCOL_VERSION]: '1.3', [ATTR_TLS_RESUMED]: false },
      'call 2 attempt 1': {
        [ATTR_CONNECTION_REUSED]: false,
        [ATTR_TLS_PROTOCOL_VERSION]: '1.3',
        [ATTR_TLS_RESUMED]: true,
      },
      'call 2 attempt 1 > tls.handshake': true,
    },
  },
];

// ---------------------------------------------------------------------------------------------------
// Running one scenario on one handler.
// ---------------------------------------------------------------------------------------------------

const tracing = createTestTracing();
afterAll(() => tracing.shutdown());

interface Run {
  outcomes: CallOutcome[];
  spans: ReadableSpan[];
  server: ParityServer;
}

async function runOn(handler: Handler, scenario: ParityScenario): Promise<Run> {
  const server = await startParityServer(scenario.behaviour);
  server.delayMs = scenario.delayMs ?? 0;
  const timeout = scenario.requestTimeout === undefined ? {} : { requestTimeout: scenario.requestTimeout };
  const slot = globalThis as unknown as Record<symbol, unknown>;
  const previousDispatcher = slot[DISPATCHER];
  let restore = async () => {};
  let requestHandler: unknown;
  if (handler === 'node') {
    const httpsAgent = scenario.poolOfOne ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
    // Without throwOnRequestTimeout the node handler only logs a warning when requestTimeout passes.
    const throwing = scenario.requestTimeout === undefined ? {} : { throwOnRequestTimeout: true };
    requestHandler = new NodeHttpHandler({ ...timeout, ...throwing, ...(httpsAgent ? { httpsAgent } : {}) });
    if (httpsAgent) restore = async () => httpsAgent.destroy();
  } else {
    requestHandler = new FetchHttpHandler(timeout);
    if (scenario.poolOfOne) {
      // FetchHttpHandler has no pool option: the limit is the fetch dispatcher's. Node 20's fetch reads
      // its global dispatcher from this symbol; npm undici is imported here only, as the fault matrix does.
      const { Agent } = await import('undici');
      const agent = new Agent({ connections: 1 });
      slot[DISPATCHER] = agent;
      restore = async () => {
        slot[DISPATCHER] = previousDispatcher;
        await agent.close();
      };
    }
  }
  tracing.reset();
  const client = createS3Client(server.endpoint, { maxAttempts: MAX_ATTEMPTS, requestHandler });
  client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  try {
    const outcomes = await scenario.calls(client);
    // Spans of failed attempts end as the error propagates: give them a tick.
    await sleep(20);
    return { outcomes, spans: tracing.spans(), server };
  } finally {
    client.destroy();
    await restore();
    await server.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// The suite.
// ---------------------------------------------------------------------------------------------------

const observed = new Map<string, string>();
const durationsBy: Record<Handler, [string, string, number][]> = { node: [], fetch: [] };

describe('handler parity: NodeHttpHandler and FetchHttpHandler record the same facts the same way', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    const runs = {} as Record<Handler, Run>;
    for (const handler of HANDLERS) runs[handler] = await runOn(handler, scenario);
    const slots = {} as Record<Handler, Map<string, SlotShape>>;
    const operation = scenario.operation ?? 'S3.PutObject';
    for (const handler of HANDLERS) {
      slots[handler] = slotsOf(runs[handler].spans, operation);
      // Nothing lost, on either handler: one operation span per call, one attempt span per attempt.
      const ops = spansNamed(runs[handler].spans, operation);
      expect(ops, `${name} on ${handler}: operation spans`).toHaveLength(runs[handler].outcomes.length);
      const attempts = runs[handler].outcomes.reduce((sum, o) => sum + (o.attempts ?? 1), 0);
      expect(
        spansNamed(runs[handler].spans, `${operation} attempt`),
        `${name} on ${handler}: attempt spans`,
      ).toHaveLength(attempts);
      for (const [slot, shape] of slots[handler]) {
        for (const [key, value] of shape.durations) {
          durationsBy[handler].push([`${name} | ${slot}`, key, value]);
        }
      }
    }
    for (const handler of HANDLERS) {
      for (const { slot, actual, wanted } of producedFacts(slots[handler], scenario.produces)) {
        expect(actual, `${name} on ${handler}: ${slot}`).toEqual(wanted);
      }
    }
    if (scenario.poolOfOne) {
      // The call that waited for the one connection says so on both handlers.
      for (const handler of HANDLERS) {
        const wait = slots[handler]
          .get('call 2 attempt 1')
          ?.durations.find(([k]) => k === ATTR_CONNECTION_QUEUE_MS);
        expect(wait?.[1], `${name} on ${handler}: queue_ms of the call that waited`).toBeGreaterThanOrEqual(
          (scenario.delayMs ?? 0) / 2,
        );
      }
    }
    const found = differences(name, ['node', slots.node], ['fetch', slots.fetch]);
    for (const [line, detail] of found) observed.set(line, detail);
    if (process.env['WIRESCOPE_PRINT_PARITY']) {
      console.info(
        `${name}: node ${JSON.stringify(runs.node.outcomes)}\n  fetch ${JSON.stringify(runs.fetch.outcomes)}\n` +
          [...found].map(([line, detail]) => `  ${line}${detail ? `  (${detail})` : ''}`).join('\n') +
          `\n  facts node ${JSON.stringify([...slots.node].map(([k, v]) => [k, Object.fromEntries(v.facts)]))}` +
          `\n  facts fetch ${JSON.stringify([...slots.fetch].map(([k, v]) => [k, Object.fromEntries(v.facts)]))}`,
      );
    }
    const allowed = [...Object.keys(DELIBERATE), ...Object.keys(TIMING_DEPENDENT)];
    expect(
      unlisted(found, allowed),
      `${name}: differences not in the table of deliberate differences`,
    ).toEqual([]);
    // Each specific (wildcard-free) entry of this scenario still happens.
    expect(staleEntries(name, DELIBERATE, found), `${name}: listed differences that no longer occur`).toEqual(
      [],
    );
  });

  it('durations: at most 3 decimals, the same rounding on both handlers', () => {
    for (const handler of HANDLERS) {
      const tooFine = durationsBy[handler]
        .filter(([, , value]) => decimals(value) > DUR_DECIMALS)
        .map(([where, key, value]) => `${where} | ${key} = ${value}`);
      expect(tooFine, `${handler}: durations with more than ${DUR_DECIMALS} decimals`).toEqual([]);
    }
    // The rounding step shows in the finest value written: with 0.001 ms rounding almost every value
    // has 3 decimals, with 0.1 ms none has more than 1.
    const finest = (handler: Handler) => Math.max(0, ...durationsBy[handler].map(([, , v]) => decimals(v)));
    expect(durationsBy.node.length).toBeGreaterThan(10);
    expect(durationsBy.fetch.length).toBeGreaterThan(10);
    expect({ node: finest('node'), fetch: finest('fetch') }).toEqual({
      node: DUR_DECIMALS,
      fetch: DUR_DECIMALS,
    });
  });

  it('every wildcard entry of the table still matches a difference', () => {
    const stale = Object.keys(DELIBERATE).filter(
      (pattern) => pattern.includes('*') && ![...observed.keys()].some((line) => matches(pattern, line)),
    );
    expect(stale).toEqual([]);
  });
});
