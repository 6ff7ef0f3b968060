import http2 from 'node:http2';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ATTR_BODY_BYTES,
  ATTR_BODY_OUTCOME,
  ATTR_CONNECTION_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  BODY_OUTCOME_ABORTED,
  BODY_OUTCOME_COMPLETE,
  BODY_OUTCOME_ERROR,
  BODY_OUTCOME_UNREAD,
  HTTP_HANDLER_NODE_HTTP2,
  SPAN_HTTP_RESPONSE_BODY,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http2ConnectionInstrumentation } from './http2-instrumentation.js';
import { type H2Listening, startH2Server } from './test-support/http2.js';
import { certificate } from './test-support/servers.js';
import { createTracing, inAttempt, parentIdOf, spanIdOf } from './test-support/tracing.js';

// The response body of an HTTP/2 stream gets the same `http.response.body` span as node:http's (issue 17:
// the same facts the same way): how it ended, the bytes that came, on the attempt that made the stream.

const BODY = Buffer.alloc(64 * 1024, 7); // 64 KiB: more than one DATA frame
const GRACE_MS = 80;
let ca: string;
let server: H2Listening;
let instrumentation: Http2ConnectionInstrumentation;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  ca = (await certificate()).cert;
  context.setGlobalContextManager(contextManager.enable());
  instrumentation = new Http2ConnectionInstrumentation({ bodyGracePeriodMs: GRACE_MS });
  server = await startH2Server((stream, headers) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    if (headers[':path'] === '/reset-mid-body') {
      stream.write(BODY.subarray(0, 1000));
      // destroy(error) sends RST_STREAM INTERNAL_ERROR with the body unfinished (close(code) would
      // end the body cleanly first, then reset an already finished stream).
      setTimeout(() => stream.destroy(new Error('server failed mid-body')), 20);
      return;
    }
    stream.end(BODY);
  });
});

afterAll(async () => {
  instrumentation.disable();
  await server.close();
  context.disable();
});

/** One GET in an attempt; `use` decides what the host does with the body (the stream). */
async function get(path: string, use: (stream: http2.ClientHttp2Stream) => Promise<void>) {
  const tracing = createTracing();
  const session = http2.connect(server.url, { ca });
  session.on('error', () => {});
  const { scope } = await inAttempt(tracing.tracer, async () => {
    const stream = session.request({ ':path': path });
    stream.on('error', () => {});
    await new Promise((resolve) => stream.once('response', resolve));
    await use(stream);
  });
  // The body span ends on the body's own events (or the grace period): wait for it.
  for (let i = 0; i < 100 && tracing.named(SPAN_HTTP_RESPONSE_BODY).length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  session.destroy();
  const [body] = tracing.named(SPAN_HTTP_RESPONSE_BODY);
  return { body, scope };
}

const readAll = (stream: http2.ClientHttp2Stream) =>
  new Promise<void>((resolve) => {
    stream.resume();
    stream.on('end', resolve);
  });

describe('HTTP/2 response bodies', () => {
  it('read to its end: complete, every byte counted, a child of the attempt with the session id', async () => {
    const { body, scope } = await get('/', readAll);
    expect(body?.attributes[ATTR_BODY_OUTCOME]).toBe(BODY_OUTCOME_COMPLETE);
    expect(body?.attributes[ATTR_BODY_BYTES]).toBe(BODY.length);
    expect(body?.attributes[ATTR_HTTP_HANDLER]).toBe(HTTP_HANDLER_NODE_HTTP2);
    expect(body?.attributes[ATTR_CONNECTION_ID]).toBe(scope.facts.get(ATTR_CONNECTION_ID));
    expect(parentIdOf(body!)).toBe(spanIdOf(scope.span));
  });

  it('never read and not destroyed: unread once the grace period has passed', async () => {
    const started = performance.now();
    const { body } = await get('/', async () => {});
    expect(body?.attributes[ATTR_BODY_OUTCOME]).toBe(BODY_OUTCOME_UNREAD);
    expect(performance.now() - started).toBeGreaterThanOrEqual(GRACE_MS - 1);
  });

  it('destroyed by the host before its end: aborted', async () => {
    const { body } = await get('/', async (stream) => {
      stream.destroy();
    });
    expect(body?.attributes[ATTR_BODY_OUTCOME]).toBe(BODY_OUTCOME_ABORTED);
  });

  it('an RST_STREAM from the peer in the middle of the body: error, with the stream error code', async () => {
    const { body } = await get('/reset-mid-body', async (stream) => {
      stream.resume();
      await new Promise((resolve) => stream.on('close', resolve));
    });
    expect(body?.attributes[ATTR_BODY_OUTCOME]).toBe(BODY_OUTCOME_ERROR);
    expect(body?.attributes[ATTR_ERROR_TYPE]).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(body?.attributes[ATTR_BODY_BYTES]).toBe(1000);
  });
});
