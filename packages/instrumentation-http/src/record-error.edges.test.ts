import type { ClientRequest } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import type { FactValue } from '@wirescope/instrumentation';
import { ATTR_ERROR_TYPE, ATTR_SOCKET_ERROR, ATTR_SOCKET_RESET } from '@wirescope/semconv';
import { describe, expect, it, vi } from 'vitest';
import type { RecordTarget } from './internal-types.js';
import type { ConnectionPhases } from './observe-connection.js';
import { recordRequestError } from './record-error.js';

function target(): RecordTarget & { facts: Map<string, FactValue> } {
  const facts = new Map<string, FactValue>();
  return { facts, span: {} as Span, tracer: {} as Tracer, record: (key, value) => facts.set(key, value) };
}

const destroyed = { destroyed: true } as ClientRequest;
const live = { destroyed: false } as ClientRequest;

describe('recordRequestError, edges', () => {
  it('fails the open phase of a local hang-up as ABORT_ERR, with its exact message', () => {
    const fail = vi.fn();
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    recordRequestError(target(), destroyed, hangUp, { fail } as unknown as ConnectionPhases);
    expect(fail).toHaveBeenCalledExactlyOnceWith({
      errorType: 'ABORT_ERR',
      message: 'request destroyed before the connection was established',
    });
  });

  it('is a local hang-up only with code ECONNRESET and the message "socket hang up"', () => {
    const otherCode = target();
    recordRequestError(
      otherCode,
      destroyed,
      Object.assign(new Error('socket hang up'), { code: 'EPIPE' }),
      undefined,
    );
    expect(otherCode.facts.get(ATTR_ERROR_TYPE)).toBe('EPIPE');

    const otherMessage = target();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    recordRequestError(otherMessage, destroyed, reset, undefined);
    expect(Object.fromEntries(otherMessage.facts)).toEqual({
      [ATTR_ERROR_TYPE]: 'ECONNRESET',
      [ATTR_SOCKET_ERROR]: 'read ECONNRESET',
      [ATTR_SOCKET_RESET]: true,
    });
  });

  it('records the message of an error with a code alone, or a syscall alone', () => {
    const withCode = target();
    recordRequestError(
      withCode,
      live,
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      undefined,
    );
    expect(withCode.facts.get(ATTR_SOCKET_ERROR)).toBe('read ECONNRESET');

    const withSyscall = target();
    recordRequestError(
      withSyscall,
      live,
      Object.assign(new Error('connect refused'), { syscall: 'connect' }),
      undefined,
    );
    expect(Object.fromEntries(withSyscall.facts)).toEqual({
      [ATTR_ERROR_TYPE]: 'Error',
      [ATTR_SOCKET_ERROR]: 'connect refused',
      [ATTR_SOCKET_RESET]: false,
    });
  });

  it('records no message that is not a string, and does not throw', () => {
    const t = target();
    recordRequestError(t, live, { code: 'ECONNRESET', syscall: 'read', message: 42 }, undefined);
    expect(Object.fromEntries(t.facts)).toEqual({
      [ATTR_ERROR_TYPE]: 'ECONNRESET',
      [ATTR_SOCKET_RESET]: true,
    });
  });
});
