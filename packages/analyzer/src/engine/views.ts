import type { AttemptRecord, Http2Facts, OperationRecord, PhaseKind, PhaseRecord } from '../records.js';
import { BODY_OUTCOMES, EXPECT_ENDINGS } from './collect.js';
import { PhaseView } from './phase-view.js';
import {
  A,
  type AttemptChunk,
  AttemptStore,
  CHUNK_MASK,
  EXT,
  type Interning,
  NUM,
  O,
  type OperationChunk,
  type OperationStore,
  OSTR,
  PHASE_KINDS,
  type SpanColumns,
  STR,
} from './store.js';

/** The stores of one analysis and the links `resolve` found, shared by its views. */
export interface Stores {
  ops: OperationStore;
  attempts: AttemptStore;
  n: Interning;
  /** View by attempt row. */
  attemptViews: AttemptView[];
  /** Operation row of an attempt row (-1: none). */
  opOf: Int32Array;
  /** Next attempt row of the same call (-1: none). */
  next: Int32Array;
  /** Previous attempt row of the same call (-1: none). */
  previous: Int32Array;
  /** Where an operation row's attempts start in `callRows` (they end where the next row's start). */
  callStart: Int32Array;
  /** Attempt rows grouped per operation row, each call sorted by attempt number then start. */
  callRows: Int32Array;
}

function defined(value: number): number | undefined {
  return Number.isNaN(value) ? undefined : value;
}

/**
 * What operation and attempt views share: ids, times and the error flag, read from their row's columns
 * (the `error` and `hasParent` flag bits are the same in both stores).
 */
abstract class SpanRowView<C extends SpanColumns> {
  constructor(
    protected readonly x: Stores,
    readonly row: number,
  ) {}
  protected abstract get c(): C;
  protected get i(): number {
    return this.row & CHUNK_MASK;
  }
  protected get n(): Interning {
    return this.x.n;
  }
  protected flag(bit: number): boolean {
    return ((this.c.flags[this.i] as number) & bit) !== 0;
  }
  get traceId(): string {
    return this.n.traces.text(this.traceNumber);
  }
  /** The trace's number in the interning table. */
  get traceNumber(): number {
    return this.c.trace[this.i] as number;
  }
  get spanId(): string {
    return this.n.ids.text(this.c.hi[this.i] as number, this.c.lo[this.i] as number);
  }
  get startMs(): number {
    return this.c.start[this.i] as number;
  }
  get durationMs(): number {
    return this.c.dur[this.i] as number;
  }
  get error(): boolean {
    return this.flag(O.error);
  }
}

/**
 * An operation row seen as the record the rules read. Made at finish, one small object per row: the
 * values stay in the store's columns.
 */
export class OperationView extends SpanRowView<OperationChunk> implements OperationRecord {
  /** The call's attempts, sorted by attempt number then start (a new list each read). */
  get attempts(): AttemptRecord[] {
    const x = this.x;
    const from = x.callStart[this.row] as number;
    const out: AttemptRecord[] = new Array(this.attemptCount);
    for (let k = 0; k < out.length; k++)
      out[k] = x.attemptViews[x.callRows[from + k] as number] as AttemptView;
    return out;
  }
  /** How many attempts the call has. */
  get attemptCount(): number {
    return (this.x.callStart[this.row + 1] as number) - (this.x.callStart[this.row] as number);
  }
  protected get c(): OperationChunk {
    return this.x.ops.at(this.row);
  }
  private str(i: number): string | undefined {
    return this.n.strings.get(this.c.str[this.i * 10 + i] as number);
  }
  get name(): string {
    return this.str(OSTR.name) as string;
  }
  get service(): string | undefined {
    return this.str(OSTR.service);
  }
  get method(): string | undefined {
    return this.str(OSTR.method);
  }
  get errorType(): string | undefined {
    return this.str(OSTR.errorType);
  }
  get signingRegion(): string | undefined {
    return this.str(OSTR.signingRegion);
  }
  get callerRegion(): string | undefined {
    return this.str(OSTR.callerRegion);
  }
  get clientRegion(): string | undefined {
    return this.str(OSTR.clientRegion);
  }
  get bucketRegion(): string | undefined {
    return this.str(OSTR.bucketRegion);
  }
  get bucket(): string | undefined {
    return this.str(OSTR.bucket);
  }
  get keyPrefix(): string | undefined {
    return this.str(OSTR.keyPrefix);
  }
  get regionMismatch(): boolean {
    return this.flag(O.regionMismatch);
  }
  get eventStream(): boolean {
    return this.flag(O.eventStream);
  }
  get redirects(): number {
    return this.c.redirects[this.i] as number;
  }
  get wirescope(): boolean {
    return this.flag(O.wirescope);
  }
  get callerRegionFromResource(): boolean {
    return this.flag(O.callerFromResource);
  }
}

/** An attempt row seen as the record the rules read; the links are columns `resolve` fills. */
export class AttemptView extends SpanRowView<AttemptChunk> implements AttemptRecord {
  get operation(): OperationRecord | undefined {
    const op = this.x.opOf[this.row] as number;
    return op < 0 ? undefined : new OperationView(this.x, op); // made on each read: see `operationViews`
  }
  get parentSpanId(): string | undefined {
    const c = this.c;
    return this.flag(A.hasParent)
      ? this.n.ids.text(c.parHi[this.i] as number, c.parLo[this.i] as number)
      : undefined;
  }
  get callKey(): number {
    const op = this.x.opOf[this.row] as number;
    return op < 0 ? -1 - this.row : op;
  }
  get next(): AttemptRecord | undefined {
    const row = this.x.next[this.row] as number;
    return row < 0 ? undefined : this.x.attemptViews[row];
  }
  get previous(): AttemptRecord | undefined {
    const row = this.x.previous[this.row] as number;
    return row < 0 ? undefined : this.x.attemptViews[row];
  }
  get isNew(): boolean {
    return this.flag(A.isNew);
  }
  get inferred(): boolean {
    return this.flag(A.inferred);
  }
  /** Left out by `resolve` (a second record of an attempt, or not an AWS call). */
  get dropped(): boolean {
    return this.flag(A.dropped);
  }
  protected get c(): AttemptChunk {
    return this.x.attempts.at(this.row);
  }
  private str(i: number): string | undefined {
    return this.n.strings.get(this.c.str[this.i * 9 + i] as number);
  }
  private num(i: number): number | undefined {
    return defined(this.c.num[this.i * 8 + i] as number);
  }
  get name(): string {
    return this.str(STR.name) as string;
  }
  get attempt(): number {
    return this.c.attempt[this.i] as number;
  }
  get reused(): boolean | undefined {
    return this.flag(A.reusedKnown) ? this.flag(A.reused) : undefined;
  }
  get connectionId(): string | undefined {
    return this.str(STR.connectionId);
  }
  get origin(): string {
    return this.str(STR.origin) ?? '';
  }
  get idleMs(): number | undefined {
    return this.num(NUM.idle);
  }
  get queueMs(): number | undefined {
    return this.num(NUM.queue);
  }
  get serverAddress(): string | undefined {
    return this.str(STR.serverAddress);
  }
  get serverPort(): number | undefined {
    return this.num(NUM.port);
  }
  get httpMethod(): string | undefined {
    return this.str(STR.httpMethod);
  }
  get statusCode(): number | undefined {
    return this.num(NUM.status);
  }
  get errorType(): string | undefined {
    return this.str(STR.errorType);
  }
  get socketReset(): boolean {
    return this.flag(A.socketReset);
  }
  get socketError(): string | undefined {
    return this.str(STR.socketError);
  }
  get tlsVersion(): string | undefined {
    return this.str(STR.tlsVersion);
  }
  get expectContinue(): boolean {
    return this.flag(A.expectContinue);
  }
  get expectWaitMs(): number | undefined {
    return this.num(NUM.expectWait);
  }
  get ttfbMs(): number | undefined {
    return this.num(NUM.ttfb);
  }
  get bodySize(): number | undefined {
    return this.num(NUM.bodySize);
  }
  get handler(): string | undefined {
    return this.str(STR.handler);
  }
  get keepAlive(): boolean | undefined {
    return this.flag(A.keepAliveKnown) ? this.flag(A.keepAlive) : undefined;
  }
  get maxSockets(): number | undefined {
    return this.num(NUM.maxSockets);
  }
  get poolKey(): string {
    return this.keyOf(true);
  }
  get hostKey(): string {
    return this.keyOf(false);
  }
  /** `origin|host:port` (`withPort`, when there is one) or `origin|host`, one string per key. */
  private keyOf(withPort: boolean): string {
    const c = this.c;
    const base = this.i * 9;
    const origin = c.str[base + STR.origin] as number;
    const address = c.str[base + STR.serverAddress] as number;
    const port = withPort ? (this.c.num[this.i * 8 + NUM.port] as number) : Number.NaN;
    // Exact while origin ids stay below 2^10, address ids below 2^20 and ports below 2^16 (< 2^47 in
    // all); beyond that the string is built each time.
    const portOk = Number.isNaN(port) || (Number.isInteger(port) && port >= 0 && port < 0x10000);
    const small = origin < 0x400 && address < 0x100000 && portOk;
    const id = small ? (origin * 0x100000 + address) * 0x10001 + (Number.isNaN(port) ? 0 : port + 1) : -1;
    let key = small ? this.n.poolKeys.get(id) : undefined;
    if (key === undefined) {
      const host = this.serverAddress ?? '(unknown host)';
      key = `${this.origin}|${Number.isNaN(port) ? host : `${host}:${port}`}`;
      if (small) this.n.poolKeys.set(id, key);
    }
    return key;
  }
  get oneOff(): boolean {
    return this.flag(A.oneOff);
  }
  /** An issue-18 fact (`EXT` column), undefined when absent. */
  private ext(k: number): number | undefined {
    const ext = this.c.ext;
    return ext === undefined ? undefined : defined(ext[this.i * AttemptStore.EXTS + k] as number);
  }
  get bodyOutcome(): string | undefined {
    const code = this.ext(EXT.bodyOutcome);
    return code === undefined ? undefined : BODY_OUTCOMES[code - 1];
  }
  get bodyMs(): number | undefined {
    return this.ext(EXT.bodyMs);
  }
  get connectionRequests(): number | undefined {
    return this.ext(EXT.connectionRequests);
  }
  get requestTimeoutMs(): number | undefined {
    return this.ext(EXT.requestTimeout);
  }
  get connectionTimeoutMs(): number | undefined {
    return this.ext(EXT.connectionTimeout);
  }
  get socketTimeoutMs(): number | undefined {
    return this.ext(EXT.socketTimeout);
  }
  get expectEndedBy(): string | undefined {
    const code = this.ext(EXT.expectEndedBy);
    return code === undefined ? undefined : EXPECT_ENDINGS[code - 1];
  }
  get http2(): Http2Facts | undefined {
    if (!this.flag(A.http2)) return undefined;
    const [streamsInFlight, maxConcurrentStreams, goawayCode, rstStreamCode, previousGoawayCode] =
      HTTP2_EXT.map((k) => this.ext(k));
    return { streamsInFlight, maxConcurrentStreams, goawayCode, rstStreamCode, previousGoawayCode };
  }
  hasPhase(kind: PhaseKind): boolean {
    return this.flag(A.phasePresent << PHASE_INDEX[kind]);
  }
  phaseMs(kind: PhaseKind): number | undefined {
    if (!this.hasPhase(kind)) return undefined;
    const prow = this.c.prow[this.i] as number;
    return this.x.attempts.phasesAt(prow).dur[(prow & CHUNK_MASK) * 3 + PHASE_INDEX[kind]] as number;
  }
  phaseOk(kind: PhaseKind): boolean {
    return this.hasPhase(kind) && !this.flag(A.phaseError << PHASE_INDEX[kind]);
  }
  /** The phases, built on each read (they live in columns). */
  get phases(): Partial<Record<PhaseKind, PhaseRecord>> {
    if (((this.c.flags[this.i] as number) & PHASE_BITS) === 0) return NO_PHASES;
    const out: Partial<Record<PhaseKind, PhaseRecord>> = {};
    for (let k = 0; k < 3; k++) {
      if (this.flag(A.phasePresent << k)) out[PHASE_KINDS[k] as PhaseKind] = new PhaseView(this.x, this, k);
    }
    return out;
  }
}

const HTTP2_EXT = [
  EXT.streamsInFlight,
  EXT.maxConcurrentStreams,
  EXT.goawayCode,
  EXT.rstStreamCode,
  EXT.previousGoawayCode,
];
const PHASE_BITS = A.phasePresent * 7;
const PHASE_INDEX: Record<PhaseKind, number> = { dns: 0, tcp: 1, tls: 2 };
const NO_PHASES: Partial<Record<PhaseKind, PhaseRecord>> = Object.freeze({});
