import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyPhase, shortestGracePeriod } from './body-phase.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('body-phase-test');
const GRACE = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => exporter.reset());

function start(body: object, options: { tracer?: Tracer; grace?: number; clock?: () => number } = {}) {
  const parent = tracer.startSpan('attempt');
  parent.end();
  return new BodyPhase({
    parent,
    tracer: options.tracer ?? tracer,
    startTime: 1_000_000,
    attributes: { 'wirescope.http.handler': 'node-http' },
    gracePeriodMs: options.grace ?? GRACE,
    body,
    now: options.clock ?? (() => 1_000_250.5),
  });
}

const bodies = () => exporter.getFinishedSpans().filter((s) => s.name === 'http.response.body');
const one = (): ReadableSpan => {
  const spans = bodies();
  expect(spans).toHaveLength(1);
  return spans[0]!;
};

describe('BodyPhase', () => {
  it('complete: one child span of the attempt, from the headers to the end, with outcome and bytes', () => {
    const phase = start({});
    phase.received(1000, true);
    phase.received(24, true);
    phase.complete();
    phase.complete();
    phase.abort();
    expect(phase.open).toBe(false);
    const span = one();
    expect(span.attributes).toEqual({
      'wirescope.http.handler': 'node-http',
      'wirescope.body.outcome': 'complete',
      'wirescope.body.bytes': 1024,
    });
    expect(span.startTime).toEqual([1000, 0]);
    expect(span.endTime).toEqual([1000, 250_500_000]);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const parent = exporter.getFinishedSpans().find((s) => s.name === 'attempt')!;
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('an empty body that completes makes no span', () => {
    start({}).complete();
    expect(bodies()).toEqual([]);
  });

  it('error: error.type, ERROR status redacted and bounded to 256 characters', () => {
    const phase = start({});
    phase.received(7, true);
    phase.fail('ECONNRESET', `read ECONNRESET Signature=abcdef0123456789 ${'x'.repeat(400)}`);
    const span = one();
    expect(span.attributes['wirescope.body.outcome']).toBe('error');
    expect(span.attributes['error.type']).toBe('ECONNRESET');
    expect(span.attributes['wirescope.body.bytes']).toBe(7);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/^ECONNRESET: read ECONNRESET Signature=REDACTED x+…$/);
    expect(span.status.message).toHaveLength(256);
  });

  it('aborted: error.type ABORT_ERR, status unset; an end never goes before the start', () => {
    start({}, { clock: () => 999_000 }).abort();
    const span = one();
    expect(span.attributes['wirescope.body.outcome']).toBe('aborted');
    expect(span.attributes['error.type']).toBe('ABORT_ERR');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.endTime).toEqual(span.startTime);
  });

  it('unread: all bytes in but never taken, after one grace period', async () => {
    const phase = start({});
    phase.received(10, true);
    phase.receivedAll();
    await sleep(GRACE / 2);
    expect(bodies()).toEqual([]);
    await sleep(GRACE * 2);
    expect(one().attributes['wirescope.body.outcome']).toBe('unread');
    expect(phase.open).toBe(false);
  });

  it('unread: a full buffer that stopped moving; a moving body or a stalled server is not unread', async () => {
    const stuck = start({});
    stuck.received(64, false);
    const moving = start({});
    const waiting = start({});
    waiting.received(64, true);
    for (let i = 0; i < 4; i++) {
      moving.received(1, false);
      await sleep(GRACE);
    }
    expect(bodies().map((s) => s.attributes['wirescope.body.outcome'])).toEqual(['unread']);
    expect([stuck.open, moving.open, waiting.open]).toEqual([false, true, true]);
    moving.complete();
    waiting.fail('UND_ERR_SOCKET', 'other side closed');
  });

  it('holds its body weakly: a dropped body is collected, and then reported unread', async () => {
    let body: object | undefined = { big: new Array(1000).fill(1) };
    const ref = new WeakRef(body);
    const phase = start(body, { grace: 200 });
    body = undefined;
    for (let i = 0; i < 10 && phase.open; i++) {
      await sleep(10);
      gc();
      if (ref.deref() === undefined) break;
    }
    expect(ref.deref() === undefined).toBe(true);
    await sleep(300);
    expect(one().attributes['wirescope.body.outcome']).toBe('unread');
  });

  it('a tracer that throws never reaches the caller nor the timer queue', async () => {
    const broken = {
      startSpan() {
        throw new Error('broken');
      },
    } as unknown as Tracer;
    const phase = start({}, { tracer: broken });
    phase.receivedAll();
    await sleep(GRACE * 2);
    expect(phase.open).toBe(false);
    const direct = start({}, { tracer: broken });
    direct.received(1, true);
    expect(() => direct.complete()).not.toThrow();
    expect(() => start({}, { tracer: broken }).fail('ECONNRESET', 'x')).not.toThrow();
    expect(() => start({}, { tracer: broken }).abort()).not.toThrow();
  });
});

describe('shortestGracePeriod', () => {
  it('the shortest valid period any consumer asked for; none asked: undefined (the default)', () => {
    expect(shortestGracePeriod([])).toBeUndefined();
    expect(shortestGracePeriod([{}, { bodyGracePeriodMs: undefined }])).toBeUndefined();
    expect(shortestGracePeriod([{ bodyGracePeriodMs: 5000 }, {}, { bodyGracePeriodMs: 200 }])).toBe(200);
    expect(shortestGracePeriod([{ bodyGracePeriodMs: 0 }, { bodyGracePeriodMs: 10 }])).toBe(0);
    expect(
      shortestGracePeriod([
        { bodyGracePeriodMs: -1 },
        { bodyGracePeriodMs: Number.NaN },
        { bodyGracePeriodMs: 7 },
      ]),
    ).toBe(7);
  });
});
