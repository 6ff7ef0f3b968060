// Issue 15, the body phase: a GetObject body streamed to the caller gets an `http.response.body` span
// under its attempt — time to the last byte, bytes, and how it ended (complete, a reset or a premature
// close mid-body, the caller's abort, never read) — on both handlers, with what the application sees
// unchanged, and nothing (body, socket, span) kept alive by wirescope. Real HTTPS server, real SDK.
import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { disableWirescope, enableWirescope, wirescope } from '@wirescope/aws-sdk';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import {
  ATTR_BODY_BYTES,
  ATTR_BODY_OUTCOME,
  ATTR_CONNECTION_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  SPAN_HTTP_RESPONSE_BODY,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BodyScenario,
  type BodyServerHandle,
  HALF,
  LARGE,
  SMALL,
  startBodyServer,
} from './support/body-server.js';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { attr, parentOf, spansNamed } from './support/span-query.js';

// The server's pause mid-body (and before a cut). Server and client share this process's clock, so
// the body span is pinned to the server's own writes: it starts at most TOLERANCE_MS after the server
// wrote the headers (never before), and ends at most TOLERANCE_MS after it wrote the last byte (never
// before): its duration is the pause ± TOLERANCE_MS, however loaded the machine.
const PAUSE_MS = 400;
const TOLERANCE_MS = 250;
// Short, so the unread cases finish quickly; longer than any gap a reading caller leaves.
const GRACE_MS = 300;
/** `Agent.prototype.addRequest`: internal to node:http (not in @types/node), the function wirescope patches. */
const addRequest = () => (http.Agent.prototype as unknown as { addRequest: unknown }).addRequest;
const ORIGINAL_ADD_REQUEST = addRequest();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const tracing = createTestTracing();
let server: BodyServerHandle;
// Registered beside the plugin only for their grace period (the shortest asked for wins); scope-only.
let httpInstrumentation: HttpConnectionInstrumentation;
let undiciInstrumentation: UndiciConnectionInstrumentation;
const clients: S3Client[] = [];

beforeAll(async () => {
  server = await startBodyServer({ pauseMs: PAUSE_MS });
  httpInstrumentation = new HttpConnectionInstrumentation({
    recordOnActiveSpan: false,
    bodyGracePeriodMs: GRACE_MS,
  });
  undiciInstrumentation = new UndiciConnectionInstrumentation({
    recordOnActiveSpan: false,
    bodyGracePeriodMs: GRACE_MS,
  });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  tracing.reset();
});
afterAll(async () => {
  httpInstrumentation.disable();
  undiciInstrumentation.disable();
  disableWirescope();
  await server.close();
  await tracing.shutdown();
});

type Handler = 'node' | 'fetch';

function client(handler: Handler, traced: boolean): S3Client {
  const s3 = createS3Client(server.endpoint, { handler, maxAttempts: 1 });
  if (traced) s3.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  clients.push(s3);
  return s3;
}

/** What the application sees of a download: the bytes it read and the error it got. */
interface AppView {
  bytes: number;
  error?: { name: unknown; code: unknown; message: unknown; causeCode: unknown; causeName: unknown };
}

function viewOf(error: unknown): AppView['error'] {
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    cause?: { code?: unknown; name?: unknown };
  };
  return {
    name: e.name,
    code: e.code,
    message: e.message,
    causeCode: e.cause?.code,
    causeName: e.cause?.name,
  };
}

type Stop = 'signal' | 'break' | undefined;

/** GetObject `scenario`, then read the Body with `for await` (both handlers' Body iterate), or stop early. */
async function download(
  handler: Handler,
  scenario: BodyScenario,
  traced: boolean,
  stop?: Stop,
): Promise<AppView> {
  const controller = new AbortController();
  let bytes = 0;
  try {
    const output = await client(handler, traced).send(new GetObjectCommand({ Bucket: 'b', Key: scenario }), {
      abortSignal: controller.signal,
    });
    for await (const chunk of output.Body as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (stop === 'break') break;
      if (stop === 'signal') controller.abort();
    }
    return { bytes };
  } catch (error) {
    return { bytes, error: viewOf(error) };
  }
}

/** Runs `fn` with wirescope entirely off: no plugin, no hook (checked), then switches it back on. */
async function bare<T>(fn: () => Promise<T>): Promise<T> {
  disableWirescope();
  httpInstrumentation.disable();
  undiciInstrumentation.disable();
  expect(addRequest()).toBe(ORIGINAL_ADD_REQUEST);
  expect(diagnosticsChannel.channel('undici:request:headers').hasSubscribers).toBe(false);
  try {
    return await fn();
  } finally {
    enableWirescope();
    httpInstrumentation.enable();
    undiciInstrumentation.enable();
  }
}

const epochMs = (time: [number, number]) => time[0] * 1e3 + time[1] / 1e6;
const ms = (span: ReadableSpan) => span.duration[0] * 1e3 + span.duration[1] / 1e6;

/** Waits until `count` body spans ended (the unread ones end on a timer). */
async function bodySpans(count: number, withinMs = 5000): Promise<ReadableSpan[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const spans = spansNamed(tracing.spans(), SPAN_HTTP_RESPONSE_BODY);
    if (spans.length >= count || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The one body span, checked to be a child of the GetObject attempt on the attempt's connection. */
async function theBodySpan(handler: Handler): Promise<ReadableSpan> {
  const [body, ...more] = await bodySpans(1);
  expect(more).toEqual([]);
  expect(body).toBeDefined();
  const attempt = parentOf(tracing.spans(), body!);
  expect(attempt?.name).toBe('S3.GetObject attempt');
  expect(attr(body!, ATTR_CONNECTION_ID)).toBe(attr(attempt!, ATTR_CONNECTION_ID));
  expect(attr(body!, ATTR_HTTP_HANDLER)).toBe(handler === 'node' ? 'node-http' : 'fetch');
  return body!;
}

describe.each(['node', 'fetch'] as const)('the response body on the %s handler', (handler) => {
  it(`a ${PAUSE_MS} ms pause mid-body: the body span covers the server's pause (each end within ${TOLERANCE_MS} ms), bytes whole`, async () => {
    const seen = await download(handler, 'pause', true);
    const { headersAt, resumedAt } = server.lastPause!;
    expect(seen).toEqual({ bytes: 2 * HALF });
    expect(await bare(() => download(handler, 'pause', false))).toEqual(seen);
    const body = await theBodySpan(handler);
    expect(attr(body, ATTR_BODY_OUTCOME)).toBe('complete');
    expect(attr(body, ATTR_BODY_BYTES)).toBe(2 * HALF);
    expect(attr(body, ATTR_ERROR_TYPE)).toBeUndefined();
    expect(body.status.code).toBe(SpanStatusCode.UNSET);
    expect(resumedAt - headersAt).toBeGreaterThanOrEqual(PAUSE_MS - 1);
    const startLag = epochMs(body.startTime) - headersAt;
    const endLag = epochMs(body.endTime) - resumedAt;
    expect(startLag).toBeGreaterThanOrEqual(0);
    expect(startLag).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(endLag).toBeGreaterThanOrEqual(0);
    expect(endLag).toBeLessThanOrEqual(TOLERANCE_MS);
    console.info(
      `${handler} pause: server paused ${(resumedAt - headersAt).toFixed(1)} ms, body span ${ms(body).toFixed(1)} ms (start +${startLag.toFixed(1)}, end +${endLag.toFixed(1)})`,
    );
    // The attempt ended at the headers, before the pause was over: the body span covers what it does not.
    const attempt = parentOf(tracing.spans(), body)!;
    expect(epochMs(body.endTime) - epochMs(attempt.endTime)).toBeGreaterThan(PAUSE_MS / 2);
  });

  it('a reset (RST) mid-body: outcome error, ECONNRESET, ERROR status; the app sees the same error', async () => {
    const seen = await download(handler, 'reset', true);
    expect(await bare(() => download(handler, 'reset', false))).toEqual(seen);
    expect(seen.bytes).toBe(HALF);
    if (handler === 'node') {
      expect(seen.error).toEqual({
        name: 'Error',
        code: 'ECONNRESET',
        message: 'aborted',
        causeCode: undefined,
        causeName: undefined,
      });
    } else {
      expect(seen.error).toMatchObject({ name: 'TypeError', message: 'terminated', causeCode: 'ECONNRESET' });
    }
    const body = await theBodySpan(handler);
    expect(attr(body, ATTR_BODY_OUTCOME)).toBe('error');
    expect(attr(body, ATTR_ERROR_TYPE)).toBe('ECONNRESET');
    expect(attr(body, ATTR_BODY_BYTES)).toBe(HALF);
    expect(body.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ECONNRESET: read ECONNRESET' });
    // The reset came PAUSE_MS after the headers were written (the span starts when they arrive).
    expect(ms(body)).toBeGreaterThanOrEqual(PAUSE_MS - TOLERANCE_MS);
    expect(ms(body)).toBeLessThanOrEqual(PAUSE_MS + TOLERANCE_MS);
  });

  it('a premature close (FIN) mid-body: outcome error with the socket code', async () => {
    const seen = await download(handler, 'fin', true);
    expect(await bare(() => download(handler, 'fin', false))).toEqual(seen);
    expect(seen.bytes).toBe(HALF);
    const body = await theBodySpan(handler);
    expect(attr(body, ATTR_BODY_OUTCOME)).toBe('error');
    expect(attr(body, ATTR_BODY_BYTES)).toBe(HALF);
    // Node reports a body cut by FIN as `aborted` / ECONNRESET; undici as `other side closed`.
    expect(attr(body, ATTR_ERROR_TYPE)).toBe(handler === 'node' ? 'ECONNRESET' : 'UND_ERR_SOCKET');
    expect(body.status.code).toBe(SpanStatusCode.ERROR);
  });

  it.each(['signal', 'break'] as const)(
    'the caller stops the body while it streams (%s): outcome aborted',
    async (stop) => {
      const seen = await download(handler, 'stall', true, stop);
      expect(await bare(() => download(handler, 'stall', false, stop))).toEqual(seen);
      expect(seen.bytes).toBeGreaterThan(0);
      expect(seen.bytes).toBeLessThanOrEqual(HALF);
      const body = await theBodySpan(handler);
      expect(attr(body, ATTR_BODY_OUTCOME)).toBe('aborted');
      expect(attr(body, ATTR_ERROR_TYPE)).toBe('ABORT_ERR');
      expect(attr(body, ATTR_BODY_BYTES)).toBeGreaterThanOrEqual(seen.bytes);
      expect(attr(body, ATTR_BODY_BYTES)).toBeLessThanOrEqual(HALF);
      expect(body.status.code).toBe(SpanStatusCode.UNSET);
    },
  );

  it('a large body never read: unread after the grace period, and neither body, socket nor span kept alive', async () => {
    const connectionsBefore = server.openConnections;
    // undici also cancels an unread body when its fetch Response is collected, and the SDK keeps only
    // the body: the Responses are held as long as the body is (fetch is read at call time), or a busy
    // process could collect one within milliseconds and end the phase before any grace check.
    const responses: Response[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
      const response = await realFetch(...args);
      responses.push(response);
      return response;
    };
    let output: GetObjectCommandOutput | undefined;
    try {
      output = await client(handler, true).send(new GetObjectCommand({ Bucket: 'b', Key: 'large' }));
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(responses.length).toBe(handler === 'fetch' ? 1 : 0);
    const bodyRef = new WeakRef(output.Body as object);
    // The app holds the response and never reads it. Dropped only after the body span is reported:
    // a body collected during the grace period is cancelled by undici (its finalizer aborts the
    // request), and a busy process can collect it within milliseconds, which made this test flaky.
    let held: unknown = output.Body;
    output = undefined;
    // Checked inside a function of its own, so that no variable of this test keeps the span.
    const spanRef = await (async () => {
      const [body] = await bodySpans(1);
      expect(body).toBeDefined();
      // Whole, so that a failure says what happened instead.
      expect({
        outcome: attr(body!, ATTR_BODY_OUTCOME),
        errorType: attr(body!, ATTR_ERROR_TYPE),
        status: body!.status,
      }).toEqual({ outcome: 'unread', errorType: undefined, status: { code: SpanStatusCode.UNSET } });
      expect(attr(body!, ATTR_BODY_BYTES)).toBeGreaterThan(0);
      expect(attr(body!, ATTR_BODY_BYTES)).toBeLessThan(LARGE);
      // Reported at the first grace check after the body stopped moving (its buffer full): one period
      // at least; a loaded machine may fill the buffer slowly, so allow a few.
      expect(ms(body!)).toBeGreaterThanOrEqual(GRACE_MS - 2);
      expect(ms(body!)).toBeLessThanOrEqual(4 * GRACE_MS + TOLERANCE_MS);
      return new WeakRef(body!);
    })();
    // Read after the wait, so the engine keeps it alive across it; then the app lets it go.
    expect(held).toBeDefined();
    held = undefined;
    responses.length = 0;
    tracing.reset();
    // Node's agent keeps the socket (and its body) until the client goes; undici cancels a collected
    // body's request itself (seconds after the collection). Either way nothing of ours may keep them.
    for (const s3 of clients.splice(0)) s3.destroy();
    await collectGarbage(() => bodyRef.deref() === undefined && spanRef.deref() === undefined);
    // Booleans, not the objects: a failing diff would try to serialize a socket.
    expect({ body: bodyRef.deref() === undefined, span: spanRef.deref() === undefined }).toEqual({
      body: true,
      span: true,
    });
    await waitFor(() => server.openConnections <= connectionsBefore);
    expect(server.openConnections).toBeLessThanOrEqual(connectionsBefore);
  });

  it(`a small body never read: ${handler === 'node' ? 'unread (all bytes in, socket held)' : 'complete (undici buffered it and freed the socket)'}`, async () => {
    let output: GetObjectCommandOutput | undefined = await client(handler, true).send(
      new GetObjectCommand({ Bucket: 'b', Key: 'small' }),
    );
    expect(output.$metadata.httpStatusCode).toBe(200);
    const [body] = await bodySpans(1);
    output = undefined;
    expect(attr(body!, ATTR_BODY_OUTCOME)).toBe(handler === 'node' ? 'unread' : 'complete');
    expect(attr(body!, ATTR_BODY_BYTES)).toBe(SMALL);
  });
});

// A WeakRef's target survives until the end of the job that created or dereferenced it: collect in a
// fresh job (after a timer), and dereference only after the collection.
describe.each(['node', 'fetch'] as const)('a body span that cannot be made, on the %s handler', (handler) => {
  // The attempt spans work, every body span throws when started: our failure must stay ours.
  const throwing = {
    getTracer(name: string, version?: string) {
      const tracer = tracing.provider.getTracer(name, version);
      return {
        startSpan(spanName: string, ...rest: unknown[]) {
          if (spanName === SPAN_HTTP_RESPONSE_BODY) throw new Error('tracer broken on purpose');
          return (tracer.startSpan as (...args: unknown[]) => ReturnType<typeof tracer.startSpan>)(
            spanName,
            ...rest,
          );
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer),
      };
    },
  };

  // On fetch a large body left unread is no stable comparison: the SDK keeps only `response.body`, and
  // when the collector takes the dropped Response, undici cancels its body (which then reads as empty),
  // with or without wirescope. There the small body (complete while unread) takes its place.
  const scenarios =
    handler === 'node'
      ? (['pause', 'reset', 'fin', 'large'] as const)
      : (['pause', 'reset', 'fin', 'small'] as const);
  it.each(scenarios)('%s: the app sees what it sees without wirescope', async (scenario) => {
    const run = async (traced: boolean) => {
      const s3 = createS3Client(server.endpoint, { handler, maxAttempts: 1 });
      if (traced) s3.middlewareStack.use(wirescope({ tracerProvider: throwing as never }));
      clients.push(s3);
      try {
        const output = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: scenario }));
        // Left unread past the grace period (the large one's phase ends on the timer), then read.
        if (scenario === 'large' || scenario === 'small')
          await new Promise((resolve) => setTimeout(resolve, 3 * GRACE_MS));
        let bytes = 0;
        for await (const chunk of output.Body as AsyncIterable<Uint8Array>) bytes += chunk.length;
        return { bytes } as AppView;
      } catch (error) {
        return { bytes: -1, error: viewOf(error) } as AppView;
      }
    };
    const traced = await run(true);
    expect(await bare(() => run(false))).toEqual(traced);
    expect(spansNamed(tracing.spans(), 'S3.GetObject attempt')).toHaveLength(1);
    expect(spansNamed(tracing.spans(), SPAN_HTTP_RESPONSE_BODY)).toEqual([]);
  });
});

async function collectGarbage(done: () => boolean): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    if (done()) return;
  }
}

async function waitFor(done: () => boolean, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
