import type { ClientRequest } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_SOCKET_ERROR, ATTR_SOCKET_RESET } from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import type { FactValue, RecordTarget } from './internal-types.js';
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
  it('keeps a socket message of exactly 200 characters whole', () => {
    const t = target();
    const message = 'r'.repeat(200);
    recordRequestError(t, liveRequest, socketError(message), undefined);
    expect(t.facts.get(ATTR_SOCKET_ERROR)).toBe(message);
  });

  it('cuts a socket message of 201 characters to 200', () => {
    const t = target();
    recordRequestError(t, liveRequest, socketError(`${'r'.repeat(200)}X`), undefined);
    expect(t.facts.get(ATTR_SOCKET_ERROR)).toBe('r'.repeat(200));
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
