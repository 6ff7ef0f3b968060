import { grown, type KeySource, nextCapacity, SpanIds, StringTable } from './columns.js';
import type { PhaseKind } from './internal-types.js';

/** Bits of the attempt `flags` column. */
export const A = {
  error: 1,
  hasParent: 2,
  reusedKnown: 4,
  reused: 8,
  keepAliveKnown: 16,
  keepAlive: 32,
  socketReset: 64,
  expectContinue: 128,
  oneOff: 256,
  /** Phase present: `phasePresent << kindIndex`. */
  phasePresent: 512,
  /** Phase span status error: `phaseError << kindIndex`. */
  phaseError: 4096,
} as const;

/** Bits of the operation `flags` column. */
export const O = { error: 1, hasParent: 2, regionMismatch: 4, wirescope: 8 } as const;

/** Column order of the phase kinds. */
export const PHASE_KINDS: readonly PhaseKind[] = ['dns', 'tcp', 'tls'];

/** Shared by both stores: strings, trace ids, span id splitting. */
export class Interning {
  readonly strings = new StringTable();
  readonly ids = new SpanIds();
  readonly traceIds: string[] = [];
  /** `origin|host:port` strings by origin, address and port ids, made once each. */
  readonly poolKeys = new Map<number, string>();
}

/** Operation spans, one row each. */
export class OperationStore implements KeySource {
  size = 0;
  c = {
    trace: new Uint32Array(0),
    hi: new Uint32Array(0),
    lo: new Uint32Array(0),
    parHi: new Uint32Array(0),
    parLo: new Uint32Array(0),
    flags: new Uint32Array(0),
    start: new Float64Array(0),
    dur: new Float64Array(0),
    redirects: new Float64Array(0),
    /** name, service, method, errorType, signingRegion, callerRegion, clientRegion, bucketRegion, bucket, keyPrefix. */
    str: new Uint32Array(0),
  };
  static readonly STRINGS = 10;

  /** A new row's number; its columns are zero. */
  add(): number {
    const row = this.size++;
    if (row >= this.c.trace.length) {
      const c = this.c;
      const n = nextCapacity(c.trace.length, row + 1);
      this.c = {
        trace: grown(c.trace, n),
        hi: grown(c.hi, n),
        lo: grown(c.lo, n),
        parHi: grown(c.parHi, n),
        parLo: grown(c.parLo, n),
        flags: grown(c.flags, n),
        start: grown(c.start, n),
        dur: grown(c.dur, n),
        redirects: grown(c.redirects, n),
        str: grown(c.str, n * OperationStore.STRINGS),
      };
    }
    return row;
  }
  keyHi(row: number): number {
    return this.c.hi[row] as number;
  }
  keyLo(row: number): number {
    return this.c.lo[row] as number;
  }
}

/** Attempt spans, one row each, with the connection phases found under them. */
export class AttemptStore implements KeySource {
  size = 0;
  c = {
    trace: new Uint32Array(0),
    hi: new Uint32Array(0),
    lo: new Uint32Array(0),
    parHi: new Uint32Array(0),
    parLo: new Uint32Array(0),
    flags: new Uint32Array(0),
    start: new Float64Array(0),
    dur: new Float64Array(0),
    attempt: new Float64Array(0),
    /** idle, queue, port, status, expectWait, ttfb, bodySize, maxSockets: NaN when absent. */
    num: new Float32Array(0),
    /** name, connectionId, origin, serverAddress, httpMethod, errorType, socketError, tlsVersion, handler. */
    str: new Uint32Array(0),
    /** Row in the phase columns (0: none yet; phase rows count from 1). */
    prow: new Uint32Array(0),
  };
  /** Phase rows used (row 0 is never used). Only attempts that opened a connection get one. */
  phaseRows = 1;
  /** Per phase kind (3 a phase row): start, duration, span id halves. */
  p = {
    start: new Float64Array(3),
    dur: new Float64Array(3),
    hi: new Uint32Array(3),
    lo: new Uint32Array(3),
  };

  /** The phase row of an attempt row, made on first use. */
  phaseRow(row: number): number {
    let prow = this.c.prow[row] as number;
    if (prow !== 0) return prow;
    prow = this.phaseRows++;
    if ((prow + 1) * 3 > this.p.start.length) {
      const p = this.p;
      const n = nextCapacity(p.start.length / 3, prow + 1) * 3;
      this.p = { start: grown(p.start, n), dur: grown(p.dur, n), hi: grown(p.hi, n), lo: grown(p.lo, n) };
    }
    this.c.prow[row] = prow;
    return prow;
  }
  static readonly NUMS = 8;
  static readonly STRINGS = 9;

  /** A new row's number; its columns are zero (numbers NaN). */
  add(): number {
    const row = this.size++;
    if (row >= this.c.trace.length) {
      const c = this.c;
      const n = nextCapacity(c.trace.length, row + 1);
      const before = c.num.length;
      this.c = {
        trace: grown(c.trace, n),
        hi: grown(c.hi, n),
        lo: grown(c.lo, n),
        parHi: grown(c.parHi, n),
        parLo: grown(c.parLo, n),
        flags: grown(c.flags, n),
        start: grown(c.start, n),
        dur: grown(c.dur, n),
        attempt: grown(c.attempt, n),
        num: grown(c.num, n * AttemptStore.NUMS),
        str: grown(c.str, n * AttemptStore.STRINGS),
        prow: grown(c.prow, n),
      };
      this.c.num.fill(Number.NaN, before);
    }
    return row;
  }
  keyHi(row: number): number {
    return this.c.hi[row] as number;
  }
  keyLo(row: number): number {
    return this.c.lo[row] as number;
  }
}

/** Numeric attempt columns, in `num` order. */
export const NUM = {
  idle: 0,
  queue: 1,
  port: 2,
  status: 3,
  expectWait: 4,
  ttfb: 5,
  bodySize: 6,
  maxSockets: 7,
} as const;
/** String attempt columns, in `str` order. */
export const STR = {
  name: 0,
  connectionId: 1,
  origin: 2,
  serverAddress: 3,
  httpMethod: 4,
  errorType: 5,
  socketError: 6,
  tlsVersion: 7,
  handler: 8,
} as const;
/** String operation columns, in `str` order. */
export const OSTR = {
  name: 0,
  service: 1,
  method: 2,
  errorType: 3,
  signingRegion: 4,
  callerRegion: 5,
  clientRegion: 6,
  bucketRegion: 7,
  bucket: 8,
  keyPrefix: 9,
} as const;

/** A phase span read before its attempt: kept here until the attempt arrives (or to the end). */
export interface PendingPhase {
  trace: number;
  hi: number;
  lo: number;
  kind: number;
  start: number;
  dur: number;
  error: boolean;
  name: string;
}
