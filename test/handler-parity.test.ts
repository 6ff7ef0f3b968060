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
  ATTR_ATTEMPT,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  PHASE_SPAN_NAMES,
} from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type CallOutcome, outcomeOf, sleep } from './support/fault-matrix.js';
import { createTestTracing } from './support/otel.js';
import { type ParityBehaviour, type ParityServer, startParityServer } from './support/parity-server.js';
import { childrenOf, spansNamed } from './support/span-query.js';

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
// What is compared: one "shape" per span slot (`call 2 attempt 1`, `call 1 attempt 1 > tls.handshake`).
// ---------------------------------------------------------------------------------------------------

/** Facts whose values both handlers must agree on (normalized by {@link normalize}). */
const FACT_KEYS = new Set([
  ATTR_ATTEMPT,
  ATTR_CONNECTION_REUSED,
  ATTR_CONNECTION_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
]);
/** Pseudo-key for the number of span links (every attempt links to where its connection was set up). */
const LINKS = '(links)';

interface SlotShape {
  types: Map<string, string>;
  facts: Map<string, string>;
  /** Duration attributes (`*_ms`) and their values, for the rounding checks. */
  durations: [string, number][];
}

const typeOf = (value: AttributeValue): string =>
  Array.isArray(value) ? `${typeof value.find((v) => v !== null && v !== undefined)}[]` : typeof value;

function normalize(key: string, value: AttributeValue): string {
  if (key === ATTR_CONNECTION_ID) return String(value).replace(/\d+/g, '#');
  return JSON.stringify(value);
}

function shapeOf(span: ReadableSpan): SlotShape {
  const shape: SlotShape = { types: new Map(), facts: new Map(), durations: [] };
  for (const [key, value] of Object.entries(span.attributes)) {
    if (value === undefined) continue;
    shape.types.set(key, typeOf(value));
    if (FACT_KEYS.has(key)) shape.facts.set(key, normalize(key, value));
    if (key.endsWith('_ms') && typeof value === 'number') shape.durations.push([key, value]);
  }
  shape.facts.set(LINKS, String(span.links.length));
  return shape;
}

const byEnd = (a: ReadableSpan, b: ReadableSpan) =>
  a.endTime[0] - b.endTime[0] || a.endTime[1] - b.endTime[1];

/** Every attempt and phase span of a run, by slot: calls in end order, attempts by number. */
function slotsOf(spans: readonly ReadableSpan[], operation: string): Map<string, SlotShape> {
  const slots = new Map<string, SlotShape>();
  spansNamed(spans, operation)
    .sort(byEnd)
    .forEach((op, call) => {
      const attempts = childrenOf(spans, op).filter((s) => s.name === `${operation} attempt`);
      attempts.sort((a, b) => Number(a.attributes[ATTR_ATTEMPT]) - Number(b.attributes[ATTR_ATTEMPT]));
      attempts.forEach((attempt, index) => {
        const label = `call ${call + 1} attempt ${index + 1}`;
        slots.set(label, shapeOf(attempt));
        const phases = childrenOf(spans, attempt).filter((s) =>
          (PHASE_SPAN_NAMES as readonly string[]).includes(s.name),
        );
        const seen = new Map<string, number>();
        for (const phase of phases.sort(byEnd)) {
          const n = (seen.get(phase.name) ?? 0) + 1;
          seen.set(phase.name, n);
          slots.set(`${label} > ${phase.name}${n > 1 ? ` #${n}` : ''}`, shapeOf(phase));
        }
      });
    });
  return slots;
}

/** Number of decimals of a duration as written (`1e-7` counts as many). */
function decimals(value: number): number {
  const text = String(value);
  if (/e/i.test(text)) return 99;
  return text.split('.')[1]?.length ?? 0;
}

/** Every difference between the handlers' slots, as `scenario | slot | key | kind` lines. */
function differences(
  scenario: string,
  node: Map<string, SlotShape>,
  fetch: Map<string, SlotShape>,
): Map<string, string> {
  const found = new Map<string, string>();
  const add = (slot: string, key: string, kind: string, detail = '') =>
    found.set(`${scenario} | ${slot} | ${key} | ${kind}`, detail);
  for (const slot of new Set([...node.keys(), ...fetch.keys()])) {
    const n = node.get(slot);
    const f = fetch.get(slot);
    if (!n || !f) {
      add(slot, '(span)', n ? 'only node' : 'only fetch');
      continue;
    }
    for (const key of new Set([...n.types.keys(), ...f.types.keys()])) {
      const nt = n.types.get(key);
      const ft = f.types.get(key);
      if (nt === undefined || ft === undefined) add(slot, key, nt ? 'only node' : 'only fetch');
      else if (nt !== ft) add(slot, key, 'type node≠fetch', `${nt} vs ${ft}`);
    }
    for (const key of new Set([...n.facts.keys(), ...f.facts.keys()])) {
      const nv = n.facts.get(key);
      const fv = f.facts.get(key);
      if (nv !== undefined && fv !== undefined && nv !== fv)
        add(slot, key, 'value node≠fetch', `${nv} vs ${fv}`);
    }
  }
  return found;
}

const matches = (pattern: string, line: string): boolean => {
  const p = pattern.split(' | ');
  const l = line.split(' | ');
  return p.length === l.length && p.every((part, i) => part === '*' || part === l[i]);
};

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
      for (const [slot, expected] of Object.entries(scenario.produces)) {
        const shape = slots[handler].get(slot);
        expect(shape, `${name} on ${handler}: ${slot}`).toBeDefined();
        if (expected === true || !shape) continue;
        const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, shape.facts.get(key)]));
        const wanted = Object.fromEntries(
          Object.entries(expected).map(([key, v]) => [key, normalize(key, v)]),
        );
        expect(actual, `${name} on ${handler}: ${slot}`).toEqual(wanted);
      }
    }
    for (const handler of HANDLERS) {
      for (const [slot, expected] of Object.entries(scenario.produces)) {
        const shape = slots[handler].get(slot);
        expect(shape, `${name} on ${handler}: ${slot}`).toBeDefined();
        if (expected === true || !shape) continue;
        const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, shape.facts.get(key)]));
        const wanted = Object.fromEntries(
          Object.entries(expected).map(([key, v]) => [key, normalize(key, v)]),
        );
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
    const found = differences(name, slots.node, slots.fetch);
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
    const unlisted = [...found]
      .filter(([line]) => !allowed.some((pattern) => matches(pattern, line)))
      .map(([line, detail]) => (detail ? `${line} (${detail})` : line));
    expect(unlisted, `${name}: differences not in the table of deliberate differences`).toEqual([]);
    // Each specific (wildcard-free) entry of this scenario still happens.
    const stale = Object.keys(DELIBERATE).filter(
      (pattern) => pattern.startsWith(`${name} | `) && !pattern.includes('*') && !found.has(pattern),
    );
    expect(stale, `${name}: listed differences that no longer occur`).toEqual([]);
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
