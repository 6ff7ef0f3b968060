// Issue 17: "Same attributes, names and semantics as the HTTP/1.1 instrumentations wherever the fact
// is the same". The same scenarios (a new connection, reuse, a reset under a reused connection) run on
// the SDK's NodeHttpHandler against a local HTTPS server and on its NodeHttp2Handler against a local
// HTTP/2 server, and the attempt span and its phase spans are compared as test/handler-parity.test.ts
// compares node and fetch: attribute keys, value types, the values of the facts both must agree on,
// the rounding of durations. An HTTP/2 "connection" is the session. The differences HTTP/2 has on
// purpose are listed below as data, each with its reason; the suite fails on any difference not in
// that list, and on a listed one that no longer occurs.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  HTTP_HANDLER_NODE,
  HTTP_HANDLER_NODE_HTTP2,
} from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type CallOutcome, outcomeOf, sleep } from './support/fault-matrix.js';
import { startH2Server } from './support/h2-server.js';
import { createTestTracing } from './support/otel.js';
import { startParityServer } from './support/parity-server.js';
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
import { attr, spansNamed } from './support/span-query.js';

type Side = 'node' | 'http2';
const SIDES: readonly Side[] = ['node', 'http2'];
const OPERATION = 'S3.PutObject';
const MAX_ATTEMPTS = 2;
const DUR_DECIMALS = 3;

// ---------------------------------------------------------------------------------------------------
// The deliberate differences: `scenario | slot | key | kind` → why (`*` matches any scenario or slot;
// such an entry must still match at least one observed difference).
// ---------------------------------------------------------------------------------------------------
const AGENT_ONLY = "the http.Agent's options; NodeHttp2Handler pools sessions itself, with no agent";
const HTTP2_ONLY =
  'an HTTP/2-only fact (wirescope.http2.*: streams on the session, the peer stream limit, GOAWAY and RST_STREAM codes)';
const DELIBERATE: Record<string, string> = {
  '* | * | wirescope.agent.keep_alive | only node': AGENT_ONLY,
  '* | * | wirescope.agent.max_sockets | only node': AGENT_ONLY,
  '* | * | wirescope.http2.streams_in_flight | only http2': HTTP2_ONLY,
  '* | * | network.protocol.version | only http2':
    "OpenTelemetry's HTTP conventions write it when it is not the default, 1.1: only the HTTP/2 producer does (on the attempt and, from ALPN, on tls.handshake)",
};
/** Allowed, never required (timing). */
const TIMING_DEPENDENT: Record<string, string> = {};

/** One scenario: what each server does, the calls, and what must come of them on both sides. */
interface Scenario {
  name: string;
  calls(client: S3Client, between: () => void): Promise<CallOutcome[]>;
  produces: Record<string, Record<string, AttributeValue> | true>;
}

const put = (client: S3Client, key: string) =>
  outcomeOf(client.send(new PutObjectCommand({ Bucket: 'parity', Key: key, Body: `body of ${key}` })));

/** put → idle → (between) → put: the second call goes out on the connection the first one left. */
const twoSequential = async (client: S3Client, between: () => void): Promise<CallOutcome[]> => {
  const first = await put(client, 'first');
  await sleep(50);
  between();
  return [first, await put(client, 'second')];
};

const SCENARIOS: Scenario[] = [
  {
    name: 'new connection',
    calls: async (c) => [await put(c, 'only')],
    produces: {
      'call 1 attempt 1': {
        [ATTR_CONNECTION_REUSED]: false,
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
        [ATTR_TLS_PROTOCOL_VERSION]: '1.3',
      },
      'call 1 attempt 1 > dns.lookup': true,
      'call 1 attempt 1 > tcp.connect': true,
      'call 1 attempt 1 > tls.handshake': true,
    },
  },
  {
    name: 'reuse',
    calls: twoSequential,
    produces: {
      'call 2 attempt 1': { [ATTR_CONNECTION_REUSED]: true, [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 },
    },
  },
  {
    name: 'RST',
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
];

const tracing = createTestTracing();
afterAll(() => tracing.shutdown());

interface Run {
  outcomes: CallOutcome[];
  spans: ReadableSpan[];
}

async function runOn(side: Side, scenario: Scenario): Promise<Run> {
  const rst = scenario.name === 'RST';
  const node = side === 'node' ? await startParityServer(rst ? 'rst-on-reuse' : 'ok') : undefined;
  const h2 = side === 'http2' ? await startH2Server() : undefined;
  const endpoint = (node ?? h2)!.endpoint;
  // The HTTP/2 server resets the TCP connection under the next stream, once the first call is done.
  const between = () => {
    if (rst && h2) h2.behaviour.destroySocket = { count: 1 };
  };
  const requestHandler = side === 'node' ? new NodeHttpHandler() : new NodeHttp2Handler();
  tracing.reset();
  const client = createS3Client(endpoint, { maxAttempts: MAX_ATTEMPTS, requestHandler });
  client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  try {
    const outcomes = await scenario.calls(client, between);
    // Spans of failed attempts end as the error propagates: give them a tick.
    await sleep(20);
    return { outcomes, spans: tracing.spans() };
  } finally {
    client.destroy();
    await (node ?? h2)!.close();
  }
}

const observed = new Map<string, string>();
const durationsBy: Record<Side, [string, string, number][]> = { node: [], http2: [] };

describe('HTTP/1.1 and HTTP/2 parity: NodeHttpHandler and NodeHttp2Handler record the same facts the same way', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    const runs = {} as Record<Side, Run>;
    for (const side of SIDES) runs[side] = await runOn(side, scenario);
    const slots = {} as Record<Side, Map<string, SlotShape>>;
    for (const side of SIDES) {
      slots[side] = slotsOf(runs[side].spans, OPERATION);
      for (const [slot, shape] of slots[side]) {
        for (const [key, value] of shape.durations) durationsBy[side].push([`${name} | ${slot}`, key, value]);
      }
      for (const { slot, actual, wanted } of producedFacts(slots[side], scenario.produces)) {
        expect(actual, `${name} on ${side}: ${slot}`).toEqual(wanted);
      }
    }
    // Each side says which handler carried its attempts.
    const handlerOf = { node: HTTP_HANDLER_NODE, http2: HTTP_HANDLER_NODE_HTTP2 };
    for (const side of SIDES) {
      const attempts = spansNamed(runs[side].spans, `${OPERATION} attempt`);
      expect(attempts.length, `${name} on ${side}: attempts`).toBeGreaterThan(0);
      expect(new Set(attempts.map((a) => attr(a, ATTR_HTTP_HANDLER)))).toEqual(new Set([handlerOf[side]]));
    }
    // What the application saw is the same on both (the SDK retries a reset the same way).
    expect(runs.http2.outcomes).toEqual(runs.node.outcomes);
    const found = differences(name, ['node', slots.node], ['http2', slots.http2]);
    for (const [line, detail] of found) observed.set(line, detail);
    if (process.env['WIRESCOPE_PRINT_PARITY']) {
      console.info(
        `${name}:\n${[...found].map(([line, detail]) => `  ${line}${detail ? `  (${detail})` : ''}`).join('\n')}`,
      );
    }
    const allowed = [...Object.keys(DELIBERATE), ...Object.keys(TIMING_DEPENDENT)];
    expect(unlisted(found, allowed), `${name}: differences not in the table`).toEqual([]);
    expect(staleEntries(name, DELIBERATE, found), `${name}: listed differences that no longer occur`).toEqual(
      [],
    );
  });

  it('durations: at most 3 decimals on both', () => {
    for (const side of SIDES) {
      expect(durationsBy[side].length, `${side}: durations written`).toBeGreaterThan(3);
      const tooFine = durationsBy[side]
        .filter(([, , value]) => decimals(value) > DUR_DECIMALS)
        .map(([where, key, value]) => `${where} | ${key} = ${value}`);
      expect(tooFine, `${side}: durations with more than ${DUR_DECIMALS} decimals`).toEqual([]);
    }
  });

  it('every wildcard entry of the table still matches a difference', () => {
    const stale = Object.keys(DELIBERATE).filter(
      (pattern) => pattern.includes('*') && ![...observed.keys()].some((line) => matches(pattern, line)),
    );
    expect(stale).toEqual([]);
  });
});
