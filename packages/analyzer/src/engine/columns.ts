/**
 * Compact storage for a million spans (the row columns are in store.ts, in fixed-size chunks): an
 * interned string table and an open-addressing index from 64-bit span ids to record numbers (no string
 * per id, no Map entry).
 */

/** Interned strings by number; 0 is `undefined`. */
export class StringTable {
  private readonly values: Array<string | undefined> = [undefined];
  private readonly index = new Map<string, number>();

  /** The number of a string (0 for undefined). */
  id(value: string | undefined): number {
    if (value === undefined) return 0;
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.index.set(value, id);
    }
    return id;
  }

  /** Numbers given so far (counting 0). */
  get size(): number {
    return this.values.length;
  }

  /** The string of a number. */
  get(id: number): string | undefined {
    return this.values[id];
  }
}

/** A span id as two 32-bit halves. Ids that are not 16 hex digits (never from the readers) keep their text aside. */
export class SpanIds {
  private readonly odd = new Map<string, number>();
  private readonly oddText: string[] = [];
  hi = 0;
  lo = 0;

  /** Splits `id` into `hi`/`lo`. */
  split(id: string): void {
    if (id.length === 16) {
      let hi = 0;
      let lo = 0;
      let ok = true;
      for (let i = 0; i < 16; i++) {
        const c = id.charCodeAt(i);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
        if (d < 0) {
          ok = false;
          break;
        }
        if (i < 8) hi = hi * 16 + d;
        else lo = lo * 16 + d;
      }
      if (ok) {
        this.hi = hi;
        this.lo = lo;
        return;
      }
    }
    // Tagged with hi = 0xffffffff and an index no real id reaches alongside it in practice.
    let n = this.odd.get(id);
    if (n === undefined) {
      n = this.oddText.length;
      this.oddText.push(id);
      this.odd.set(id, n);
    }
    this.hi = 0xffffffff;
    this.lo = (0x80000000 | n) >>> 0;
  }

  /** The text of a split id. */
  text(hi: number, lo: number): string {
    if (hi === 0xffffffff && lo >= 0x80000000) {
      const odd = this.oddText[lo - 0x80000000];
      if (odd !== undefined) return odd;
    }
    return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
  }
}

/** First slot to probe for a span id in a table of `mask + 1` slots. */
function idSlot(hi: number, lo: number, mask: number): number {
  return (Math.imul(hi ^ Math.imul(lo | 0, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
}

/**
 * Open-addressing hash from (hi, lo) span ids to non-negative numbers, 8 bytes a slot (the value and
 * the id's high half; the low half is asked of `loOf(value)`, the row's own column, only when the high
 * halves match), at most three quarters of the slots used.
 */
export class IdIndex {
  private his = new Int32Array(1 << 12);
  private values = new Int32Array(1 << 12).fill(-1);
  private count = 0;

  constructor(private readonly loOf: (value: number) => number) {}

  /** Slot of the id, or of the empty slot where it would go. */
  private slotOf(hi: number, lo: number, his: Int32Array, values: Int32Array): number {
    const mask = values.length - 1;
    const h = hi | 0;
    let i = idSlot(h, lo, mask);
    for (;;) {
      const value = values[i] as number;
      if (value < 0 || (his[i] === h && this.loOf(value) === lo)) return i;
      i = (i + 1) & mask;
    }
  }

  /** The value stored for the id, or -1. */
  get(hi: number, lo: number): number {
    return this.values[this.slotOf(hi, lo, this.his, this.values)] as number;
  }

  /**
   * Stores `value` for the id unless it has one: returns the value it had, or -1 when it is stored
   * (`loOf(value)` must give `lo` from now on).
   */
  insert(hi: number, lo: number, value: number): number {
    if ((this.count + 1) * 4 > this.values.length * 3) this.grow();
    const i = this.slotOf(hi, lo, this.his, this.values);
    const had = this.values[i] as number;
    if (had >= 0) return had;
    this.his[i] = hi | 0;
    this.values[i] = value;
    this.count++;
    return -1;
  }

  /** Drops the index (no `get` or `insert` after this): its memory goes before the rules run. */
  release(): void {
    this.his = new Int32Array(0);
    this.values = new Int32Array(0);
    this.count = 0;
  }

  private grow(): void {
    const his = this.his;
    const values = this.values;
    const nextHis = new Int32Array(his.length * 2);
    const nextValues = new Int32Array(values.length * 2).fill(-1);
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      if (value < 0) continue;
      const hi = his[i] as number;
      // Every id is distinct: the first empty slot is its place.
      const mask = nextValues.length - 1;
      let slot = idSlot(hi, this.loOf(value), mask);
      while ((nextValues[slot] as number) >= 0) slot = (slot + 1) & mask;
      nextHis[slot] = hi;
      nextValues[slot] = value;
    }
    this.his = nextHis;
    this.values = nextValues;
  }
}

const TRACE_CHUNK_SHIFT = 13;
const TRACE_CHUNK_MASK = (1 << TRACE_CHUNK_SHIFT) - 1;

/** Value of a lowercase hex digit, or -1. */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/**
 * Trace ids numbered 0, 1, 2… in first-seen order. A 32-hex-digit id is kept as four 32-bit words
 * (16 bytes, in fixed-size chunks) behind an open-addressing index, not as a string and a Map entry;
 * any other id keeps its text in a Map.
 */
export class TraceTable {
  /** Traces numbered so far. */
  size = 0;
  private readonly chunks: Uint32Array[] = [];
  private slots = new Int32Array(1 << 12).fill(-1);
  private hexCount = 0;
  private readonly odd = new Map<string, number>();
  private readonly oddText = new Map<number, string>();
  private readonly w = new Uint32Array(4);

  /** True when the last `id` call numbered a new trace. */
  added = false;

  /** The number of a trace id (sets `added`). */
  id(text: string): number {
    this.added = false;
    if (!this.split(text)) {
      let trace = this.odd.get(text);
      if (trace !== undefined) return trace;
      trace = this.size++;
      this.odd.set(text, trace);
      this.oddText.set(trace, text);
      if ((trace & TRACE_CHUNK_MASK) === 0) this.chunks.push(new Uint32Array(4 << TRACE_CHUNK_SHIFT));
      this.added = true;
      return trace;
    }
    return this.hexId();
  }

  /** The number of a trace id given as its four 32-bit words (sets `added`). */
  idOfWords(words: Uint32Array): number {
    this.added = false;
    this.w.set(words);
    return this.hexId();
  }

  /** The number of the id in `w`. */
  private hexId(): number {
    if ((this.hexCount + 1) * 2 > this.slots.length) this.rehash();
    const slot = this.slotOf(this.w, this.slots);
    const found = this.slots[slot] as number;
    if (found >= 0) return found;
    const trace = this.size++;
    if ((trace & TRACE_CHUNK_MASK) === 0) this.chunks.push(new Uint32Array(4 << TRACE_CHUNK_SHIFT));
    (this.chunks[trace >>> TRACE_CHUNK_SHIFT] as Uint32Array).set(this.w, (trace & TRACE_CHUNK_MASK) * 4);
    this.slots[slot] = trace;
    this.hexCount++;
    this.added = true;
    return trace;
  }

  /** Drops the index of ids (no `id` or `idOfWords` after this); `text` still works. */
  releaseIndex(): void {
    this.slots = new Int32Array(0);
    this.odd.clear();
  }

  /** The text of a trace number. */
  text(trace: number): string {
    const odd = this.oddText.size > 0 ? this.oddText.get(trace) : undefined;
    if (odd !== undefined) return odd;
    const chunk = this.chunks[trace >>> TRACE_CHUNK_SHIFT];
    if (chunk === undefined || trace >= this.size) return '';
    const base = (trace & TRACE_CHUNK_MASK) * 4;
    let out = '';
    for (let k = 0; k < 4; k++) out += (chunk[base + k] as number).toString(16).padStart(8, '0');
    return out;
  }

  /** Fills `w` from a 32-digit lowercase hex id; false for any other text. */
  private split(text: string): boolean {
    if (text.length !== 32) return false;
    for (let k = 0; k < 4; k++) {
      let word = 0;
      for (let i = k * 8; i < k * 8 + 8; i++) {
        const d = hexDigit(text.charCodeAt(i));
        if (d < 0) return false;
        word = word * 16 + d;
      }
      this.w[k] = word;
    }
    return true;
  }

  private slotOf(w: Uint32Array, slots: Int32Array): number {
    const mask = slots.length - 1;
    const h =
      Math.imul((w[0] as number) ^ Math.imul(w[1] as number, 0x9e3779b1), 0x85ebca6b) ^
      (w[2] as number) ^
      Math.imul(w[3] as number, 0xc2b2ae35);
    let i = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0) & mask;
    for (;;) {
      const v = slots[i] as number;
      if (v < 0) return i;
      const chunk = this.chunks[v >>> TRACE_CHUNK_SHIFT] as Uint32Array;
      const base = (v & TRACE_CHUNK_MASK) * 4;
      if (
        chunk[base] === w[0] &&
        chunk[base + 1] === w[1] &&
        chunk[base + 2] === w[2] &&
        chunk[base + 3] === w[3]
      )
        return i;
      i = (i + 1) & mask;
    }
  }

  private rehash(): void {
    const next = new Int32Array(this.slots.length * 2).fill(-1);
    const w = new Uint32Array(4);
    for (const v of this.slots) {
      if (v < 0) continue;
      const chunk = this.chunks[v >>> TRACE_CHUNK_SHIFT] as Uint32Array;
      w.set(chunk.subarray((v & TRACE_CHUNK_MASK) * 4, (v & TRACE_CHUNK_MASK) * 4 + 4));
      next[this.slotOf(w, next)] = v;
    }
    this.slots = next;
  }
}
