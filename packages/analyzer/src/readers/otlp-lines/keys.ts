import { type Cursor, colon, giveUp, QUOTE, str, ws } from './cursor.js';

/** Byte patterns of a list of keys, looked up by length then bytes. */
export class Keys {
  /** Per byte length: the keys of that length, as bytes, and their indexes in `names`. */
  private readonly bytes: Uint8Array[][] = [];
  private readonly indexes: number[][] = [];
  constructor(readonly names: readonly string[]) {
    names.forEach((name, index) => {
      const bytes = Buffer.from(name, 'utf8');
      this.bytes[bytes.length] ??= [];
      this.indexes[bytes.length] ??= [];
      this.bytes[bytes.length]?.push(bytes);
      this.indexes[bytes.length]?.push(index);
    });
  }
  /** Index of the key just read by `str()` (a key with escapes gives up), or -1. */
  match(cur: Cursor): number {
    if (cur.strEscaped) giveUp();
    const length = cur.strEnd - cur.strStart;
    const candidates = this.bytes[length];
    if (candidates === undefined) return -1;
    // From the end: keys of one length often share a prefix (`wirescope.`).
    for (let k = 0; k < candidates.length; k++) {
      const key = candidates[k] as Uint8Array;
      let i = length - 1;
      while (i >= 0 && key[i] === cur.b[cur.strStart + i]) i--;
      if (i < 0) return (this.indexes[length] as number[])[k] as number;
    }
    return -1;
  }
}

/** `wirescope.` */
export const WIRESCOPE_PREFIX = Buffer.from('wirescope.', 'utf8');

export function startsWithWirescope(cur: Cursor): boolean {
  if (cur.strEnd - cur.strStart < WIRESCOPE_PREFIX.length) return false;
  for (let i = 0; i < WIRESCOPE_PREFIX.length; i++)
    if (cur.b[cur.strStart + i] !== WIRESCOPE_PREFIX[i]) return false;
  return true;
}

/** Reads an object member's key (at its quote) and the colon: the key's index in `keys`, or -1. */
export function memberKey(cur: Cursor, keys: Keys): number {
  if (ws(cur) !== QUOTE) giveUp();
  str(cur);
  const k = keys.match(cur);
  colon(cur);
  return k;
}
