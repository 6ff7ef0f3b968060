import type { ClientRequest } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import { type FactValue, MAX_ERROR_MESSAGE } from '@wirescope/instrumentation';
import { ATTR_ERROR_TYPE, ATTR_SOCKET_ERROR, ATTR_SOCKET_RESET } from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import type { RecordTarget } from './internal-types.js';
import { recordRequestError } from './record-error.js';

function target(): RecordTarget & { facts: Map<string, FactValue> } {
  const facts = new Map<string, FactValue>();
  return {
    facts,
    span: {} as Span,
    tracer: {} as Tracer,
    record: (key, value) => facts.set(key, value),
  };
}

const liveRequest = { destroyed: false } as ClientRequest;

function socketError(message: string, code = 'ECONNRESET'): Error {
  return Object.assign(new Error(message), { code, syscall: 'read' });
}

describe('recordRequestError', () => {
  it(`keeps a socket message of exactly ${MAX_ERROR_MESSAGE} (256) characters whole`, () => {
    expect(MAX_ERROR_MESSAGE).toBe(256);
    const t = target();
    const message = 'r'.repeat(256);
    recordRequestError(t, liveRequest, socketError(message), undefined);
    expect(t.facts.get(ATTR_SOCKET_ERROR)).toBe(message);
  });

  it('cuts a socket message of 257 characters to 256, the last one an ellipsis (the fetch bound)', () => {
    const t = target();
    recordRequestError(t, liveRequest, socketError(`${'r'.repeat(256)}X`), undefined);
    expect(t.facts.get(ATTR_SOCKET_ERROR)).toBe(`${'r'.repeat(255)}…`);
  });

  it('redacts a secret the socket message quotes, and bounds what is left', () => {
    const t = target();
    const key = 'AKIAIOSFODNN7EXAMPLE';
    const token = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6';
    const message = `connect to proxy as ${key} with x-amz-security-token: ${token} failed ${'.'.repeat(300)}`;
    recordRequestError(t, liveRequest, socketError(message), undefined);
    const recorded = t.facts.get(ATTR_SOCKET_ERROR) as string;
    expect(recorded).not.toContain(key);
    expect(recorded).not.toContain(token);
    expect(
      recorded.startsWith('connect to proxy as REDACTED with x-amz-security-token: REDACTED failed ..'),
    ).toBe(true);
    expect(recorded).toHaveLength(256);
    expect(recorded.endsWith('…')).toBe(true);
  });

  it('redacts the socket message before it cuts it (a message can quote a presigned URL)', () => {
    const t = target();
    const secret = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
    recordRequestError(
      t,
      liveRequest,
      socketError(`connect to /k?X-Amz-Signature=${secret} failed`),
      undefined,
    );
    expect(t.facts.get(ATTR_SOCKET_ERROR)).toBe('connect to /k?X-Amz-Signature=REDACTED failed');
  });

  it('records the code as error.type and a reset for ECONNRESET and EPIPE', () => {
    for (const code of ['ECONNRESET', 'EPIPE']) {
      const t = target();
      recordRequestError(t, liveRequest, socketError(`write ${code}`, code), undefined);
      expect(Object.fromEntries(t.facts)).toEqual({
        [ATTR_ERROR_TYPE]: code,
        [ATTR_SOCKET_ERROR]: `write ${code}`,
        [ATTR_SOCKET_RESET]: true,
      });
    }
  });

  it('records no message for an error without a code or syscall (its text could hold anything)', () => {
    const t = target();
    recordRequestError(t, liveRequest, new Error('Authorization: Bearer canary'), undefined);
    expect(t.facts.has(ATTR_SOCKET_ERROR)).toBe(false);
    expect(t.facts.get(ATTR_ERROR_TYPE)).toBe('Error');
    expect(t.facts.get(ATTR_SOCKET_RESET)).toBe(false);
  });

  it('records nothing for the hang-up Node raises when the host destroyed the request', () => {
    const t = target();
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    recordRequestError(t, { destroyed: true } as ClientRequest, hangUp, undefined);
    expect(t.facts.size).toBe(0);
  });
});
