import { describe, expect, it } from 'vitest';
import { InputError } from '../input-error.js';
import { firstInvalid, guardUtf8 } from './utf8-guard.js';

// What is valid follows RFC 3629 §4 (the UTF-8 byte sequences): leads C2–DF take one continuation byte,
// E0–EF two (E0 only A0–BF next, ED only 80–9F: no overlongs, no surrogates), F0–F4 three (F0 only
// 90–BF, F4 only 80–8F); 80–BF, C0, C1 and F5–FF never start a character. The BOM is EF BB BF.

type Part = string | number[];

const bytes = (part: Part): Buffer =>
  typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part);

/** The chunks `guardUtf8` passes on (as hex) and the BOM length, or the InputError it throws. */
async function guard(...parts: Part[]): Promise<{ chunks: string[]; bom: number }> {
  async function* source(): AsyncGenerator<Buffer> {
    for (const part of parts) yield bytes(part);
  }
  const guarded = guardUtf8(source(), 'in.json');
  const chunks: string[] = [];
  for await (const chunk of guarded.chunks) chunks.push(chunk.toString('hex'));
  return { chunks, bom: guarded.bomLength() };
}

async function guardError(...parts: Part[]): Promise<InputError> {
  try {
    await guard(...parts);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const hex = (part: Part) => bytes(part).toString('hex');

describe('firstInvalid', () => {
  it('steps over valid characters of every length, at both ends of each lead range', () => {
    // Each valid character, then 0xFF (never valid): the offset is the character's length.
    const cases: [string, number][] = [
      ['A', 1],
      ['\u007f', 1],
      ['\u0080', 2], // C2 80
      ['é', 2], // C3 A9
      ['\u07ff', 2], // DF BF
      ['\u0800', 3], // E0 A0 80
      ['€', 3], // E2 82 AC
      ['\ufffd', 3], // EF BF BD
      ['\u{10000}', 4], // F0 90 80 80
      ['😀', 4], // F0 9F 98 80
      ['\u{10ffff}', 4], // F4 8F BF BF
    ];
    for (const [char, length] of cases) {
      expect(Buffer.from(char).length).toBe(length);
      expect(firstInvalid(Buffer.concat([Buffer.from(char), Buffer.from([0xff])]))).toBe(length);
    }
  });

  it('points at a byte that cannot start a character', () => {
    for (const bad of [0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xf8, 0xff]) {
      expect(firstInvalid(Buffer.from([0x41, bad, 0x41]))).toBe(1);
    }
  });

  it('points at the lead of an overlong, surrogate, out-of-range or broken sequence', () => {
    for (const bad of [
      [0xe0, 0x80, 0x80], // overlong
      [0xed, 0xa0, 0x80], // U+D800, a surrogate
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      [0xf0, 0x80, 0x80, 0x80], // overlong
      [0xc3, 0x41], // lead without its continuation
      [0xe2, 0x82], // cut short at the end
    ]) {
      expect(firstInvalid(Buffer.from([0x41, 0xc3, 0xa9, ...bad, 0x41]))).toBe(3);
    }
  });
});

describe('guardUtf8', () => {
  it('passes valid input on chunk by chunk, without empty chunks', async () => {
    expect(await guard('{"a":', '"é"}')).toStrictEqual({ chunks: [hex('{"a":'), hex('"é"}')], bom: 0 });
    expect(await guard('a', 'bc')).toStrictEqual({ chunks: [hex('a'), hex('bc')], bom: 0 });
    expect(await guard('café')).toStrictEqual({ chunks: [hex('café')], bom: 0 });
    expect(await guard('x€', '😀')).toStrictEqual({ chunks: [hex('x€'), hex('😀')], bom: 0 });
    expect(await guard()).toStrictEqual({ chunks: [], bom: 0 });
  });

  it('holds back a character split over chunks until it is complete', async () => {
    const euro = [0xe2, 0x82, 0xac];
    const grin = [0xf0, 0x9f, 0x98, 0x80];
    const top = [0xf4, 0x8f, 0xbf, 0xbf];
    expect(await guard([0x61, 0xc3], [0xa9, 0x62])).toStrictEqual({ chunks: ['61', 'c3a962'], bom: 0 });
    expect(await guard([0x61, 0xc3], [0xa9])).toStrictEqual({ chunks: ['61', 'c3a9'], bom: 0 });
    expect(await guard([0x61, ...euro.slice(0, 2)], [euro[2]!])).toStrictEqual({
      chunks: ['61', 'e282ac'],
      bom: 0,
    });
    expect(await guard([0x61, grin[0]!], grin.slice(1))).toStrictEqual({
      chunks: ['61', 'f09f9880'],
      bom: 0,
    });
    expect(await guard([0x61, ...grin.slice(0, 3)], [grin[3]!])).toStrictEqual({
      chunks: ['61', 'f09f9880'],
      bom: 0,
    });
    expect(await guard([0x61, ...top.slice(0, 2)], top.slice(2))).toStrictEqual({
      chunks: ['61', 'f48fbfbf'],
      bom: 0,
    });
    // A chunk that is only the start of a character yields nothing (no empty chunk).
    expect(await guard([0x61], [0xc3], [0xa9])).toStrictEqual({ chunks: ['61', 'c3a9'], bom: 0 });
  });

  it('drops a leading BOM, also split over the first chunks, and counts it', async () => {
    expect(await guard('\ufeff{}')).toStrictEqual({ chunks: [hex('{}')], bom: 3 });
    expect(await guard([0xef], [0xbb, 0xbf, 0x7b], '}')).toStrictEqual({ chunks: ['7b', '7d'], bom: 3 });
    expect(await guard([0xef, 0xbb], [0xbf], '{}')).toStrictEqual({ chunks: [hex('{}')], bom: 3 });
    expect(await guard('\ufeff')).toStrictEqual({ chunks: [], bom: 3 });
    expect(await guard([0xef, 0xbb, 0xbf], '{}')).toStrictEqual({ chunks: [hex('{}')], bom: 3 });
    // Empty chunks before the first bytes do not hide the BOM.
    expect(await guard([], '\ufeff{}')).toStrictEqual({ chunks: [hex('{}')], bom: 3 });
    expect(await guard([], [])).toStrictEqual({ chunks: [], bom: 0 });
  });

  it('keeps a U+FEFF after the start, and characters that only begin like the BOM', async () => {
    expect(await guard('ab', '\ufeffc')).toStrictEqual({ chunks: [hex('ab'), hex('\ufeffc')], bom: 0 });
    // EF BF BD, EF 80 BF, EF BB 80, EE BB BF: one or two bytes of the BOM, not all three.
    for (const start of ['\ufffd', '\uf03f', '\ufec0', '\ueeff']) {
      expect(await guard(`${start}x`)).toStrictEqual({ chunks: [hex(`${start}x`)], bom: 0 });
    }
  });

  it('names the offset and the byte of invalid UTF-8, counting a dropped BOM', async () => {
    const at = async (...parts: Part[]) => {
      const error = await guardError(...parts);
      return [error.offset, error.problem, error.message];
    };
    expect(await at([0xff])).toStrictEqual([
      0,
      'invalid UTF-8 (byte 0xff)',
      'in.json, offset 0: invalid UTF-8 (byte 0xff)',
    ]);
    expect(await at('ab', [0x63, 0x80])).toStrictEqual([3, 'invalid UTF-8 (byte 0x80)', expect.any(String)]);
    expect(await at('é', [0xc3, 0x41])).toStrictEqual([2, 'invalid UTF-8 (byte 0xc3)', expect.any(String)]);
    expect(await at('\ufeffab', [0xed, 0xa0, 0x80])).toStrictEqual([
      5,
      'invalid UTF-8 (byte 0xed)',
      expect.any(String),
    ]);
    // A byte that cannot start a character at the end of a chunk is invalid at once, not held back.
    expect(await at([0x61, 0x62, 0xf8])).toStrictEqual([2, 'invalid UTF-8 (byte 0xf8)', expect.any(String)]);
    expect(await at([0x61, 0x62, 0xf8], 'more')).toStrictEqual([
      2,
      'invalid UTF-8 (byte 0xf8)',
      expect.any(String),
    ]);
    // C0 and C1 never start a character (they would be overlong): invalid at the end too, not held back.
    expect(await at([0x61, 0xc1])).toStrictEqual([1, 'invalid UTF-8 (byte 0xc1)', expect.any(String)]);
    expect(await at([0x61, 0xc0, 0x80])).toStrictEqual([1, 'invalid UTF-8 (byte 0xc0)', expect.any(String)]);
    // E2 then an ASCII byte at the end: broken, not incomplete.
    expect(await at([0x61, 0xe2, 0x41])).toStrictEqual([1, 'invalid UTF-8 (byte 0xe2)', expect.any(String)]);
    // F0 9F then C0: the four-byte sequence is broken before the end, so it is not held back.
    expect(await at([0x61, 0xf0, 0x9f, 0xc0])).toStrictEqual([
      1,
      'invalid UTF-8 (byte 0xf0)',
      expect.any(String),
    ]);
  });

  it('refuses input that ends inside a character, at the offset of its first byte', async () => {
    const end = 'invalid UTF-8: the input ends inside a character';
    for (const [parts, offset] of [
      [[[0x61, 0x62, 0xc3]], 2],
      [[[0x61], [0xe2, 0x82]], 1],
      [[[0x61, 0xf0, 0x9f, 0x98]], 1],
      [[[0xef]], 0],
      [[[0xef, 0xbb]], 0],
      [[[0xef], [0xbb]], 0],
      [[[0xef, 0xbb, 0xbf, 0x61, 0xc3]], 4],
    ] as [number[][], number][]) {
      const error = await guardError(...parts);
      expect([error.offset, error.problem]).toStrictEqual([offset, end]);
    }
  });
});
