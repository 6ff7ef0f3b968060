import { describe, expect, it } from 'vitest';
import { InputError } from '../input-error.js';
import { parseBudget } from './budget-parse.js';

describe('parseBudget from bytes (issue 15)', () => {
  it('decodes UTF-8 strictly: an invalid byte is an error at its offset, with the file', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"spans":{"caf'),
      Buffer.from([0xe9]),
      Buffer.from('":{"max":1}}}'),
    ]);
    let error: unknown;
    try {
      parseBudget(bytes, 'budget.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'WIRESCOPE_BAD_BUDGET', file: 'budget.json', offset: 14 });
    expect((error as Error).message).toBe(
      'budget.json, offset 14: invalid UTF-8 (byte 0xe9): save the budget as UTF-8',
    );
  });

  it('reads valid UTF-8 bytes, with or without a BOM, as the text would be read', () => {
    const text = JSON.stringify({ spans: { 'café.lookup': { max: 1 } } });
    const expected = parseBudget(text, 'b.json');
    expect(parseBudget(Buffer.from(text), 'b.json')).toEqual(expected);
    expect(parseBudget(Buffer.from(`\ufeff${text}`), 'b.json')).toEqual(expected);
    expect(expected.spans?.['café.lookup']).toEqual({ max: 1 });
  });
});
