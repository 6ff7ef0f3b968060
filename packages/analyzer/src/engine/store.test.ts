import { describe, expect, it } from 'vitest';
import { K } from '../span-record/keys.js';
import { newRecord } from '../span-record/record.js';
import { writeAttempt } from './collect.js';
import { AttemptStore, CHUNK_MASK, Interning, STR } from './store.js';

describe('AttemptStore string columns', () => {
  it('start 16-bit and widen to 32-bit once string ids near 2^16, keeping every id', () => {
    const store = new AttemptStore();
    const n = new Interning();
    const rows = 70_000;
    for (let i = 0; i < rows; i++) {
      const record = newRecord();
      record.hi = 0;
      record.lo = i + 1;
      record.name = 'S3.PutObject attempt';
      record.startMs = i;
      record.durationMs = 1;
      record.values[K.attempt] = 1;
      record.values[K.connectionId] = `c${i}`;
      record.wirescope = true;
      writeAttempt(record, 0, store, n);
    }
    expect(n.strings.size).toBeGreaterThan(0x10000);
    expect(store.chunks[0]?.str).toBeInstanceOf(Uint16Array);
    expect(store.chunks.at(-1)?.str).toBeInstanceOf(Uint32Array);
    for (let row = 0; row < rows; row++) {
      const id = store.at(row).str[(row & CHUNK_MASK) * AttemptStore.STRINGS + STR.connectionId] as number;
      if (n.strings.get(id) !== `c${row}`) expect(n.strings.get(id)).toBe(`c${row}`);
    }
  });
});
