import type { SpanRecord } from '../../span-record/record.js';
import { type Cursor, giveUp, isDigit } from './cursor.js';

/** Value of a hex digit (either case) by byte, else -1. */
export const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) {
  if (c >= 0x30 && c <= 0x39) HEX_VALUE[c] = c - 0x30;
  else if (c >= 0x61 && c <= 0x66) HEX_VALUE[c] = c - 0x57;
  else if (c >= 0x41 && c <= 0x46) HEX_VALUE[c] = c - 0x37;
}

/** Value of 8 hex digits (either case) at `at`; gives up on anything else. */
export function hexWord(cur: Cursor, at: number): number {
  let word = 0;
  let bad = 0;
  for (let i = at; i < at + 8; i++) {
    const d = HEX_VALUE[cur.b[i] as number] as number;
    bad |= d;
    word = word * 16 + d;
  }
  return bad < 0 ? giveUp() : word;
}

/** True when the last string read is 19 decimal digits (nanoseconds since 2001 until 2286). */
export function isNanos19(cur: Cursor): boolean {
  if (cur.strEnd - cur.strStart !== 19) return false;
  for (let i = cur.strStart; i < cur.strEnd; i++) if (!isDigit(cur.b[i])) return false;
  return true;
}

/** Value of the decimal digits `at`…`at + count` (count ≤ 15: exact); `signed`: after a minus sign. */
export function digits(cur: Cursor, at: number, count: number, signed = false): number {
  let value = 0;
  for (let i = signed ? at + 1 : at; i < at + count; i++) value = value * 10 + ((cur.b[i] as number) - 0x30);
  return signed ? -value : value;
}

/** Largest difference of the 10 leading digits whose ns difference is surely below 2^53. */
export const MAX_HIGH_DIFF = 9_000_000;

/**
 * `toMs(start)` and `durationMs(start, end)` of two 19-digit nanosecond times at `startAt`/`endAt`,
 * without bigints: the same doubles (the 16 leading digits are exact below 2^53, and so is the
 * difference); anything else gives the line up.
 */
export function setTimes(cur: Cursor, r: SpanRecord, startAt: number, endAt: number): void {
  const high = digits(cur, endAt, 10) - digits(cur, startAt, 10);
  const first16 = digits(cur, startAt, 10) * 1e6 + digits(cur, startAt + 10, 6);
  if (high < 0 || high >= MAX_HIGH_DIFF || first16 > Number.MAX_SAFE_INTEGER) giveUp();
  r.startMs = first16 / 1000;
  const diff = high * 1e9 + (digits(cur, endAt + 10, 9) - digits(cur, startAt + 10, 9));
  r.durationMs = diff > 0 ? diff / 1e6 : 0;
}
