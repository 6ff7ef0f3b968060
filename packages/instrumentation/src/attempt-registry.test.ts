import { type Span, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attemptKey,
  attemptOfRequestHeaders,
  MAX_REGISTERED_ATTEMPTS,
  registerAttempt,
  unregisterAttempt,
} from './attempt-registry.js';
import type { AttemptScope } from './attempt-scope.js';
import { processState } from './process-registry.js';

function scopeOf(attempt: number): AttemptScope {
  const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
  return { attempt, span: span as Span, tracer: trace.getTracer('test'), facts: new Map() };
}

/** The process-wide map itself, as a second copy of the kernel would find it. */
const shared = () =>
  processState<Map<string, AttemptScope>>(
    '@wirescope/instrumentation:attempts-by-request-headers',
    () => new Map(),
  );

const ID = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

afterEach(() => shared().clear());

describe('attempt registry (the SDK’s per-attempt headers)', () => {
  it('finds an attempt by undici’s flat header array, names in any case, until it is unregistered', () => {
    const scope = scopeOf(2);
    const key = attemptKey(ID, 'attempt=2; max=3') as string;
    registerAttempt(key, scope);
    const headers = ['Amz-Sdk-Invocation-Id', ID, 'content-type', 'x', 'AMZ-SDK-REQUEST', 'attempt=2; max=3'];
    expect(attemptOfRequestHeaders(headers)).toBe(scope);
    // Another attempt of the same call, or another call, is not this one.
    expect(attemptOfRequestHeaders([...headers.slice(0, 4), 'amz-sdk-request', 'attempt=1; max=3'])).toBe(
      undefined,
    );
    expect(attemptOfRequestHeaders(['amz-sdk-request', 'attempt=2; max=3'])).toBeUndefined();
    unregisterAttempt(key, scope);
    expect(attemptOfRequestHeaders(headers)).toBeUndefined();
    expect(shared().size).toBe(0);
  });

  it('reads a raw header block (undici 5), and ignores anything that is not headers', () => {
    const scope = scopeOf(1);
    registerAttempt(attemptKey(ID, 'attempt=1; max=3') as string, scope);
    const raw = `host: h\r\nx-amz-sdk-request: no\r\namz-sdk-invocation-id: ${ID}\r\namz-sdk-request: attempt=1; max=3\r\n`;
    expect(attemptOfRequestHeaders(raw)).toBe(scope);
    for (const odd of [undefined, null, 42, {}, [ID], ['amz-sdk-invocation-id', 7]])
      expect(attemptOfRequestHeaders(odd)).toBeUndefined();
    expect(attemptKey(ID, undefined)).toBeUndefined();
    expect(attemptKey('', 'attempt=1')).toBeUndefined();
  });

  it('an attempt that re-used a key is not removed by the older one ending', () => {
    const older = scopeOf(1);
    const newer = scopeOf(1);
    const key = attemptKey(ID, 'attempt=1; max=3') as string;
    registerAttempt(key, older);
    registerAttempt(key, newer);
    unregisterAttempt(key, older);
    expect(shared().get(key)).toBe(newer);
  });

  it('holds at most MAX_REGISTERED_ATTEMPTS: the oldest (an attempt that never ended) leaves first', () => {
    const first = scopeOf(1);
    registerAttempt(attemptKey('first', 'attempt=1') as string, first);
    for (let i = 0; i < MAX_REGISTERED_ATTEMPTS; i++)
      registerAttempt(attemptKey(`call-${i}`, 'attempt=1') as string, scopeOf(1));
    expect(shared().size).toBe(MAX_REGISTERED_ATTEMPTS);
    expect(attemptOfRequestHeaders(['amz-sdk-invocation-id', 'first', 'amz-sdk-request', 'attempt=1'])).toBe(
      undefined,
    );
  });
});
