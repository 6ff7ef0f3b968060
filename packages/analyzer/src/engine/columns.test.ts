import { describe, expect, it } from 'vitest';
import { TraceTable } from './columns.js';

describe('TraceTable', () => {
  it('numbers trace ids in first-seen order and gives back their exact text', () => {
    const table = new TraceTable();
    const ids = Array.from({ length: 20_000 }, (_, i) => (i * 2654435761).toString(16).padStart(32, '0'));
    ids.push('0af7651916cd43dd8448eb211c80319c', 'T1', '0AF7651916CD43DD8448EB211C80319C', '');
    ids.forEach((id, i) => {
      expect(table.id(id)).toBe(i);
      expect(table.added).toBe(true);
    });
    expect(table.size).toBe(ids.length);
    ids.forEach((id, i) => {
      expect(table.id(id)).toBe(i);
      expect(table.added).toBe(false);
      expect(table.text(i)).toBe(id);
    });
  });
});
