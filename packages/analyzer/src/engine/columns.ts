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

/** Keys of an IdIndex live in the caller's columns: it asks for the key of a stored value. */
export interface KeySource {
  keyHi(value: number): number;
  keyLo(value: number): number;
}

/** Open-addressing hash from (hi, lo) span ids to non-negative numbers, 4 bytes a slot. */
export class IdIndex {
  private slots = new Int32Array(1 << 12).fill(-1);
  private count = 0;

  constructor(private readonly keys: KeySource) {}

  private slotOf(hi: number, lo: number, slots: Int32Array): number {
    const mask = slots.length - 1;
    let i = (Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
    for (;;) {
      const v = slots[i] as number;
      if (v < 0 || (this.keys.keyHi(v) === hi && this.keys.keyLo(v) === lo)) return i;
      i = (i + 1) & mask;
    }
  }

  /** The value stored for the id, or -1. */
  get(hi: number, lo: number): number {
    return this.slots[this.slotOf(hi, lo, this.slots)] as number;
  }

  /** Stores a value (whose key the KeySource gives) for the id. */
  set(hi: number, lo: number, value: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash();
    const i = this.slotOf(hi, lo, this.slots);
    if ((this.slots[i] as number) < 0) this.count++;
    this.slots[i] = value;
  }

  private rehash(): void {
    const old = this.slots;
    const next = new Int32Array(old.length * 2).fill(-1);
    for (const v of old) {
      if (v >= 0) next[this.slotOf(this.keys.keyHi(v), this.keys.keyLo(v), next)] = v;
    }
    this.slots = next;
  }
}
