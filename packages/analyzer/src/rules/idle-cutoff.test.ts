import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../records.js';
import { handlerOf, idleCutoff, idleCutoffAdvice, idleTimeoutOption } from './idle-cutoff.js';

// The idle cut-off bracket on hand-made attempts: only the fields idle-cutoff reads.
interface Fields {
  idleMs?: number;
  reused?: boolean;
  errorType?: string;
  socketReset?: boolean;
  handler?: string;
}
const attempt = (fields: Fields): AttemptRecord =>
  ({ reused: true, socketReset: false, ...fields }) as unknown as AttemptRecord;
const dead = (idleMs?: number) => attempt({ idleMs, errorType: 'ECONNRESET', socketReset: true });
const alive = (idleMs?: number, more: Fields = {}) => attempt({ idleMs, ...more });

describe('idleCutoff', () => {
  it('the dead bound is the shortest idle that met a dead socket, wherever it is in the list', () => {
    const deadOnes = [dead(450), dead(300), dead(500)];
    expect(idleCutoff(deadOnes, deadOnes)).toEqual({ deadMinMs: 300, survivedMaxMs: undefined });
    const later = [dead(450), dead(undefined), dead(300)];
    expect(idleCutoff(later, later)?.deadMinMs).toBe(300);
  });

  it('no dead socket with a known idle: no bracket', () => {
    expect(idleCutoff([dead(undefined)], [alive(100)])).toBeUndefined();
    expect(idleCutoff([], [alive(100)])).toBeUndefined();
  });

  it('the survived bound is the longest idle under the dead bound that a reused socket got an answer on', () => {
    const deadOnes = [dead(300)];
    const pool = [...deadOnes, alive(100), alive(250), alive(200)];
    expect(idleCutoff(deadOnes, pool)).toEqual({ deadMinMs: 300, survivedMaxMs: 250 });
  });

  it('an idle equal to the dead bound, or above it, is not a survivor', () => {
    const deadOnes = [dead(300)];
    expect(idleCutoff(deadOnes, [...deadOnes, alive(300), alive(400)])?.survivedMaxMs).toBeUndefined();
    expect(idleCutoff(deadOnes, [...deadOnes, alive(299.9)])?.survivedMaxMs).toBe(299.9);
  });

  it('a new connection, a failed attempt or a reset is not a survivor, whatever its idle', () => {
    const deadOnes = [dead(300)];
    const pool = [
      ...deadOnes,
      alive(200, { reused: false }),
      alive(210, { errorType: 'EPIPE' }),
      alive(220, { socketReset: true }),
      alive(undefined),
      alive(50),
    ];
    expect(idleCutoff(deadOnes, pool)).toEqual({ deadMinMs: 300, survivedMaxMs: 50 });
  });
});

describe('handlerOf and the option named for it', () => {
  it('the handler when every attempt agrees, else none', () => {
    expect(handlerOf([attempt({ handler: 'fetch' }), attempt({ handler: 'fetch' })])).toBe('fetch');
    expect(handlerOf([attempt({ handler: 'node-http' }), attempt({ handler: 'fetch' })])).toBeUndefined();
  });

  it('names the Node agent, undici, or both when the handler is unknown', () => {
    expect(idleTimeoutOption('node-http')).toBe(
      "the Node agent's idle timeout (new https.Agent({ keepAlive: true, timeout }))",
    );
    expect(idleTimeoutOption('fetch')).toBe(
      "undici's keepAliveTimeout and keepAliveMaxTimeout (an undici Agent as the fetch dispatcher)",
    );
    expect(idleTimeoutOption(undefined)).toBe(
      "the agent's idle timeout (https.Agent timeout on the Node handler, undici keepAliveTimeout on fetch)",
    );
  });

  it('advice with and without a survivor', () => {
    expect(idleCutoffAdvice({ deadMinMs: 452, survivedMaxMs: 102 }, 'X')).toBe(
      'the peer drops sockets idle between 102 ms (the longest idle a reused socket survived) and 452 ms (the shortest that met a dead one); set X under 102 ms',
    );
    expect(idleCutoffAdvice({ deadMinMs: 452, survivedMaxMs: undefined }, 'X')).toBe(
      'the peer drops sockets idle less than 452 ms (the shortest idle that met a dead one; no shorter idle was seen to survive); set X below that cut-off',
    );
  });
});
