import type { PhaseKind } from '../records.js';
import { SpanIds, StringTable, TraceTable } from './columns.js';

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
  /** Opened a connection (set by resolve). */
  isNew: 32768,
  /** Inferred from another instrumentation's HTTP client span (no `wirescope.attempt`). */
  inferred: 65536,
  /** Left out: a second record of a wirescope attempt, or an HTTP span of no AWS call (set by resolve). */
  dropped: 131072,
  /** The phase in the slot came from another instrumentation: `phaseOther << kindIndex`. */
  phaseOther: 262144,
  /** Ran as a stream of an HTTP/2 session (`network.protocol.version` 2, or the node-http2 handler). */
  http2: 2097152,
} as const;

/** Bits of the operation `flags` column. */
// `error` and `hasParent` share their bits with the attempt flags: views read both through one base.
export const O = {
  error: A.error,
  hasParent: A.hasParent,
  regionMismatch: 4,
  wirescope: 8,
  /** A second record of a call the plugin recorded too (another instrumentation's span): left out. */
  dropped: 16,
  /** The caller region column holds the resource's `cloud.region`. */
  callerFromResource: 32,
  /** `wirescope.event_stream`: the SDK ran the call as an event stream (a session of its own). */
  eventStream: 64,
} as const;

/** Column order of the phase kinds. */
export const PHASE_KINDS: readonly PhaseKind[] = ['dns', 'tcp', 'tls'];

/** Shared by both stores: strings, trace ids, span id splitting. */
export class Interning {
  readonly strings = new StringTable();
  readonly ids = new SpanIds();
  readonly traces = new TraceTable();
  /** `origin|host:port` strings by origin, address and port ids, made once each. */
  readonly poolKeys = new Map<number, string>();
}

/** Rows per chunk: columns grow by whole chunks, never copied (4.6 MB for a chunk of each store). */
export const CHUNK_SHIFT = 13;
/** Row within its chunk: `row & CHUNK_MASK`; the chunk is `row >>> CHUNK_SHIFT`. */
export const CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
const CHUNK_ROWS = 1 << CHUNK_SHIFT;

/** The columns of `CHUNK_ROWS` operation rows. */
export interface OperationChunk extends SpanColumns {
  parHi: Uint32Array;
  parLo: Uint32Array;
  /** Region redirects (small counts). */
  redirects: Float32Array;
  /** name, service, method, errorType, signingRegion, callerRegion, clientRegion, bucketRegion, bucket, keyPrefix (16-bit until wide). */
  str: Uint16Array | Uint32Array;
}

/** The columns every span row has (ids, times, flags). */
export interface SpanColumns {
  trace: Uint32Array;
  hi: Uint32Array;
  lo: Uint32Array;
  flags: Uint32Array;
  start: Float64Array;
  dur: Float64Array;
}

/**
 * The columns of one chunk, as classes: each kind of chunk gets one map. They were object literals
 * spread from a shared helper's object, and an object made by spreading gets a map of its own once the
 * code making it is optimized, so every new chunk deoptimized the code reading the columns (views,
 * resolve, the rules) and V8 compiled it again: on 200k protobuf spans, 149 deoptimizations and 2.3 s
 * of background compiling, against 54 and 1.3 s with one map per kind.
 */
class SpanRowColumns implements SpanColumns {
  readonly trace = new Uint32Array(CHUNK_ROWS);
  readonly hi = new Uint32Array(CHUNK_ROWS);
  readonly lo = new Uint32Array(CHUNK_ROWS);
  readonly flags = new Uint32Array(CHUNK_ROWS);
  readonly start = new Float64Array(CHUNK_ROWS);
  readonly dur = new Float64Array(CHUNK_ROWS);
  readonly parHi = new Uint32Array(CHUNK_ROWS);
  readonly parLo = new Uint32Array(CHUNK_ROWS);
}

class OperationColumns extends SpanRowColumns implements OperationChunk {
  readonly redirects = new Float32Array(CHUNK_ROWS);
  str: Uint16Array | Uint32Array;
  constructor(wide: boolean) {
    super();
    this.str = new (wide ? Uint32Array : Uint16Array)(CHUNK_ROWS * OperationStore.STRINGS);
  }
}

class AttemptColumns extends SpanRowColumns implements AttemptChunk {
  readonly attempt = new Float64Array(CHUNK_ROWS);
  readonly num = new Float32Array(CHUNK_ROWS * AttemptStore.NUMS).fill(Number.NaN);
  str: Uint16Array | Uint32Array;
  readonly prow = new Uint32Array(CHUNK_ROWS);
  ext: Float32Array | undefined = undefined;
  constructor(wide: boolean) {
    super();
    this.str = new (wide ? Uint32Array : Uint16Array)(CHUNK_ROWS * AttemptStore.STRINGS);
  }
}

/** Operation spans, one row each, in fixed-size chunks of columns. */
export class OperationStore {
  size = 0;
  readonly chunks: OperationChunk[] = [];
  static readonly STRINGS = 10;

  /**
   * A new row's number; its columns are zero. `wide`: string ids may reach 2^16 (the table is close to
   * that size): the row's chunk gets 32-bit string columns.
   */
  add(wide: boolean): number {
    const row = this.size++;
    if ((row & CHUNK_MASK) !== 0) {
      const chunk = this.at(row);
      if (wide && chunk.str instanceof Uint16Array) chunk.str = Uint32Array.from(chunk.str);
    } else {
      this.chunks.push(new OperationColumns(wide));
    }
    return row;
  }
  /** The chunk holding a row (index it with `row & CHUNK_MASK`). */
  at(row: number): OperationChunk {
    return this.chunks[row >>> CHUNK_SHIFT] as OperationChunk;
  }
}

/** The columns of `CHUNK_ROWS` attempt rows. */
export interface AttemptChunk extends SpanColumns {
  parHi: Uint32Array;
  parLo: Uint32Array;
  attempt: Float64Array;
  /** idle, queue, port, status, expectWait, ttfb, bodySize, maxSockets: NaN when absent. */
  num: Float32Array;
  /** name, connectionId, origin, serverAddress, httpMethod, errorType, socketError, tlsVersion, handler (16-bit until wide). */
  str: Uint16Array | Uint32Array;
  /** Row in the phase columns (0: none yet; phase rows count from 1). */
  prow: Uint32Array;
  /**
   * The issue-18 and HTTP/2 facts (`EXT` order, NaN when absent), `AttemptStore.EXTS` a row: made for a
   * chunk only when one of its rows has one, so inputs without them pay nothing.
   */
  ext: Float32Array | undefined;
}

/** The phase columns of `CHUNK_ROWS` phase rows, 3 slots (phase kinds) a row. */
export interface PhaseChunk {
  start: Float64Array;
  dur: Float64Array;
  hi: Uint32Array;
  lo: Uint32Array;
}

/** Attempt spans, one row each, with the connection phases found under them. */
export class AttemptStore {
  size = 0;
  readonly chunks: AttemptChunk[] = [];
  /** Phase rows used (row 0 is never used). Only attempts that opened a connection get one. */
  phaseRows = 1;
  /** Per phase kind (3 a phase row): start, duration, span id halves. */
  readonly phaseChunks: PhaseChunk[] = [];

  /** The phase row of an attempt row, made on first use. */
  phaseRow(row: number): number {
    const chunk = this.at(row);
    let prow = chunk.prow[row & CHUNK_MASK] as number;
    if (prow !== 0) return prow;
    prow = this.phaseRows++;
    while (this.phaseChunks.length <= prow >>> CHUNK_SHIFT) {
      this.phaseChunks.push({
        start: new Float64Array(CHUNK_ROWS * 3),
        dur: new Float64Array(CHUNK_ROWS * 3),
        hi: new Uint32Array(CHUNK_ROWS * 3),
        lo: new Uint32Array(CHUNK_ROWS * 3),
      });
    }
    chunk.prow[row & CHUNK_MASK] = prow;
    return prow;
  }
  /** The chunk holding a phase row (index it with `(prow & CHUNK_MASK) * 3 + kind`). */
  phasesAt(prow: number): PhaseChunk {
    return this.phaseChunks[prow >>> CHUNK_SHIFT] as PhaseChunk;
  }
  static readonly NUMS = 8;
  static readonly STRINGS = 9;

  /** A new row's number; its columns are zero (numbers NaN). `wide`: as for operations. */
  add(wide: boolean): number {
    const row = this.size++;
    if ((row & CHUNK_MASK) !== 0) {
      const chunk = this.at(row);
      if (wide && chunk.str instanceof Uint16Array) chunk.str = Uint32Array.from(chunk.str);
    } else {
      this.chunks.push(new AttemptColumns(wide));
    }
    return row;
  }
  /** The chunk holding a row (index it with `row & CHUNK_MASK`). */
  at(row: number): AttemptChunk {
    return this.chunks[row >>> CHUNK_SHIFT] as AttemptChunk;
  }
  static readonly EXTS = 12;
  /** The `ext` columns of a row's chunk, made on first use (index them with `(row & CHUNK_MASK) * EXTS + EXT.x`). */
  extOf(row: number): Float32Array {
    const chunk = this.at(row);
    chunk.ext ??= new Float32Array(CHUNK_ROWS * AttemptStore.EXTS).fill(Number.NaN);
    return chunk.ext;
  }
}

/** Numeric attempt facts of issue 18, then of HTTP/2 (issue 17), in `ext` order. */
export const EXT = {
  /** `BODY_OUTCOMES` index + 1 of its `http.response.body` span. */
  bodyOutcome: 0,
  /** Duration of the body span (ms). */
  bodyMs: 1,
  /** `wirescope.connection.requests`. */
  connectionRequests: 2,
  /** `EXPECT_ENDINGS` index + 1. */
  expectEndedBy: 3,
  /** `wirescope.timeout.request_ms`, `.connection_ms`, `.socket_ms` (0: none in effect). */
  requestTimeout: 4,
  connectionTimeout: 5,
  socketTimeout: 6,
  /** `wirescope.http2.streams_in_flight`, `.max_concurrent_streams`, `.goaway_code`, `.rst_stream_code`. */
  streamsInFlight: 7,
  maxConcurrentStreams: 8,
  goawayCode: 9,
  rstStreamCode: 10,
  /** `wirescope.http2.previous_goaway_code` (on a session's opener: its predecessor's idle GOAWAY). */
  previousGoawayCode: 11,
} as const;

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
  /** The attempt's span id. */
  parHi: number;
  parLo: number;
  kind: number;
  start: number;
  dur: number;
  error: boolean;
  /** Made by another instrumentation than wirescope (`isOtherPhase`). */
  other: boolean;
  /** TLS version its `tls.protocol` named (`1.3`; '' for none): instrumentation-net's `tls.connect`. */
  tlsVersion: string;
  name: string;
  /** The next phase waiting for the same attempt key. */
  next: PendingPhase | undefined;
}
