// The attempt scope travels in the OpenTelemetry context when a context manager is registered, and in
// wirescope's own AsyncLocalStorage when none is: connection facts land on the attempt spans either way,
// on both handlers, also when the context manager is registered after the plugin was created.
import type { AsyncLocalStorage } from 'node:async_hooks';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  HTTP_HANDLER_FETCH,
  HTTP_HANDLER_NODE,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, parentOf, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'scope-context';
const s3 = useS3Fixture(BUCKET, tracing);

const STORAGE_KEY = Symbol.for('wirescope.attempt-scope-storage');
function fallbackStorage(): AsyncLocalStorage<unknown> | undefined {
  return (globalThis as Record<symbol, AsyncLocalStorage<unknown> | undefined>)[STORAGE_KEY];
}

function registerContextManager(): void {
  context.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** Two sequential PutObject calls; returns their attempt spans in start order. */
async function twoPuts(client: S3Client, prefix: string): Promise<ReadableSpan[]> {
  tracing.reset();
  for (const key of [`${prefix}-1`, `${prefix}-2`]) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'hello' }));
  }
  return spansNamed(tracing.spans(), 'S3.PutObject attempt');
}

/**
 * Connection facts on both attempts: handler, connection id and reuse, and a TLS handshake span under
 * each attempt that opened its connection. Which attempts open one is not asserted: against s3rver the
 * fetch handler opens a new connection for the second PutObject too (with or without this change).
 */
function expectConnectionFacts(attempts: readonly ReadableSpan[], handler: 'node' | 'fetch'): void {
  expect(attempts).toHaveLength(2);
  const spans = tracing.spans();
  const handshakes = spansNamed(spans, SPAN_TLS_HANDSHAKE);
  for (const attempt of attempts) {
    expect(attr(attempt, ATTR_HTTP_HANDLER)).toBe(
      handler === 'node' ? HTTP_HANDLER_NODE : HTTP_HANDLER_FETCH,
    );
    expect(attr(attempt, ATTR_CONNECTION_ID)).toEqual(expect.any(String));
    const reused = attr(attempt, ATTR_CONNECTION_REUSED);
    expect(typeof reused).toBe('boolean');
    const own = handshakes.filter(
      (span) => parentOf(spans, span)?.spanContext().spanId === attempt.spanContext().spanId,
    );
    expect(own).toHaveLength(reused ? 0 : 1);
  }
}

afterEach(() => {
  context.disable();
});

// The order matters: this file runs in its own process, and the first test proves that with a context
// manager registered before any call the fallback AsyncLocalStorage is never created.
describe('attempt scope carrier', () => {
  it.each(['node', 'fetch'] as const)(
    '%s handler, context manager registered: facts on the attempts, no second AsyncLocalStorage',
    async (handler) => {
      registerContextManager();
      const client = createS3Client(s3.server.endpoint, { handler });
      client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
      try {
        expectConnectionFacts(await twoPuts(client, `${handler}-with`), handler);
        expect(fallbackStorage()).toBeUndefined();
      } finally {
        client.destroy();
      }
    },
  );

  it.each(['node', 'fetch'] as const)(
    '%s handler, no context manager, then one registered after the plugin was created: facts on the attempts both times',
    async (handler) => {
      context.disable();
      const plugin = wirescope({ tracerProvider: tracing.provider });
      const client = createS3Client(s3.server.endpoint, { handler });
      client.middlewareStack.use(plugin);
      try {
        expectConnectionFacts(await twoPuts(client, `${handler}-none`), handler);
        const storage = fallbackStorage();
        expect(storage).toBeDefined();
        // The same plugin on a new client.
        client.destroy();
        const later = createS3Client(s3.server.endpoint, { handler });
        later.middlewareStack.use(plugin);
        registerContextManager();
        const run = vi.spyOn(storage!, 'run');
        try {
          expectConnectionFacts(await twoPuts(later, `${handler}-later`), handler);
          expect(run).not.toHaveBeenCalled();
        } finally {
          run.mockRestore();
          later.destroy();
        }
      } finally {
        client.destroy();
      }
    },
  );
});
