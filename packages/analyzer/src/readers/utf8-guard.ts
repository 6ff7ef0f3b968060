import { isUtf8 } from 'node:buffer';
import { InputError } from '../input-error.js';

/** Bytes a UTF-8 sequence starting with `lead` has, or 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Index of the first byte of an incomplete sequence at the end of `buf`, or `buf.length`. */
function completeLength(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) return sequenceLength(b) > back ? n - back : n;
  }
  return n;
}

/** Offset of the first byte that breaks UTF-8 in `buf` (which `isUtf8` rejected). */
export function firstInvalid(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const len = sequenceLength(buf[i]!);
    if (len === 0) return i;
    if (len > 1 && !isUtf8(buf.subarray(i, i + len))) return i;
    i += len;
  }
  return buf.length;
}

/** Decompressed bytes, checked as UTF-8 and without a BOM; `bomLength` is 3 when one was dropped. */
export interface GuardedBytes {
  chunks: AsyncGenerator<Buffer>;
  /** Bytes dropped before the first chunk (a BOM), so error offsets count from the real start. */
  readonly bomLength: () => number;
}

/**
 * Passes chunks on once they are known to be valid UTF-8 (a sequence split over two chunks waits for
 * the rest), drops a leading BOM, and turns invalid bytes into an InputError with their offset.
 */
export function guardUtf8(chunks: AsyncIterable<Buffer>, file: string): GuardedBytes {
  let bom = 0;
  async function* run(): AsyncGenerator<Buffer> {
    let offset = 0; // of the first byte of `carry + chunk` in the decompressed input
    let carry: Buffer | undefined;
    let first = true;
    for await (const raw of chunks) {
      let chunk = carry ? Buffer.concat([carry, raw]) : raw;
      carry = undefined;
      if (first) {
        // An empty chunk is a prefix of the BOM too: the BOM may still follow.
        if (chunk.length < 3 && Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, chunk.length).equals(chunk)) {
          carry = Buffer.from(chunk); // a copy: the chunk's buffer may be used again
          continue;
        }
        first = false;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
          chunk = chunk.subarray(3);
          bom = 3;
          offset = 3;
        }
      }
      const cut = completeLength(chunk);
      const ready = cut === chunk.length ? chunk : chunk.subarray(0, cut);
      if (cut < chunk.length) carry = Buffer.from(chunk.subarray(cut));
      if (!isUtf8(ready)) throw badByte(file, offset + firstInvalid(ready), ready[firstInvalid(ready)]);
      offset += ready.length;
      if (ready.length > 0) yield ready;
    }
    if (carry && carry.length > 0) {
      if (first && isUtf8(carry)) {
        yield carry;
      } else {
        throw new InputError({ file, offset, problem: 'invalid UTF-8: the input ends inside a character' });
      }
    }
  }
  return { chunks: run(), bomLength: () => bom };
}

function badByte(file: string, offset: number, byte: number | undefined): InputError {
  const hex = byte === undefined ? '' : ` 0x${byte.toString(16).padStart(2, '0')}`;
  return new InputError({ file, offset, problem: `invalid UTF-8 (byte${hex})` });
}
