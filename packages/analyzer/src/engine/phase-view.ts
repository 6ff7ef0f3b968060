import type { PhaseKind, PhaseRecord } from '../records.js';
import { A, CHUNK_MASK, type Interning, PHASE_KINDS, type PhaseChunk } from './store.js';
import type { AttemptView, Stores } from './views.js';

/** One connection phase of an attempt row. */
export class PhaseView implements PhaseRecord {
  constructor(
    private readonly x: Stores,
    private readonly attempt: AttemptView,
    private readonly k: number,
  ) {}
  private get n(): Interning {
    return this.x.n;
  }
  get kind(): PhaseKind {
    return PHASE_KINDS[this.k] as PhaseKind;
  }
  get traceId(): string {
    return this.attempt.traceId;
  }
  private get prow(): number {
    const row = this.attempt.row;
    return this.x.attempts.at(row).prow[row & CHUNK_MASK] as number;
  }
  private get p(): PhaseChunk {
    return this.x.attempts.phasesAt(this.prow);
  }
  private get slot(): number {
    return (this.prow & CHUNK_MASK) * 3 + this.k;
  }
  get spanId(): string {
    const slot = this.slot;
    const p = this.p;
    return this.n.ids.text(p.hi[slot] as number, p.lo[slot] as number);
  }
  get parentSpanId(): string {
    return this.attempt.spanId;
  }
  get startMs(): number {
    return this.p.start[this.slot] as number;
  }
  get durationMs(): number {
    return this.p.dur[this.slot] as number;
  }
  get error(): boolean {
    const row = this.attempt.row;
    return ((this.x.attempts.at(row).flags[row & CHUNK_MASK] as number) & (A.phaseError << this.k)) !== 0;
  }
}
