import { ENGINE_KEYS } from '../../span-record/keys.js';
import type { Attributes, AttributeValue } from '../../types.js';
import {
  asciiText,
  BACKSLASH,
  CLOSE_OBJECT,
  type Cursor,
  cachedText,
  giveUp,
  isDigit,
  literal,
  more,
  num,
  openObject,
  QUOTE,
  skip,
  str,
  strText,
  ws,
} from './cursor.js';
import { digits } from './ids-times.js';
import { Keys, memberKey, startsWithWirescope } from './keys.js';

export const KEY_VALUE_KEYS = new Keys(['key', 'value']);
export const ANY_VALUE_KEYS = new Keys([
  'stringValue',
  'intValue',
  'boolValue',
  'doubleValue',
  // Skipped when the attribute is not kept (OTel's `dns.answers` is an array of strings); a kept key
  // with one of these gives up to the full path.
  'arrayValue',
  'kvlistValue',
  'bytesValue',
]);
export const ENGINE_KEY_MATCH = new Keys(ENGINE_KEYS);
export const ENGINE_KEY_PREFIXED = ENGINE_KEYS.map((key) => key.startsWith('wirescope.'));

export const bytesOf = (text: string): Uint8Array => Buffer.from(text, 'latin1');
export const STRING_VALUE = bytesOf('stringValue":');
export const INT_VALUE = bytesOf('intValue":');
export const BOOL_VALUE = bytesOf('boolValue":');
export const DOUBLE_VALUE = bytesOf('doubleValue":');

/** True when the bytes at `at` are `pattern`. */
export function bytesAt(cur: Cursor, at: number, pattern: Uint8Array): boolean {
  for (let i = 0; i < pattern.length; i++) if (cur.b[at + i] !== pattern[i]) return false;
  return true;
}

/**
 * {@link keyValue} for one attribute written the way exporters write it, compact and in this order:
 * `{"key":"…","value":{"stringValue":"…"}}` (or `intValue`, `boolValue`, `doubleValue`), without
 * escapes. Returns 1 or 0 (the key does or does not start with `wirescope.`), or -1, having read
 * nothing, for anything else (then `keyValue` reads it).
 */
export function compactKeyValue(cur: Cursor, values: Array<AttributeValue | undefined>): number {
  const buf = cur.b;
  const at = cur.p;
  // {"key":"
  if (
    buf[at] !== 0x7b ||
    buf[at + 1] !== 0x22 ||
    buf[at + 2] !== 0x6b ||
    buf[at + 3] !== 0x65 ||
    buf[at + 4] !== 0x79 ||
    buf[at + 5] !== 0x22 ||
    buf[at + 6] !== 0x3a ||
    buf[at + 7] !== 0x22
  )
    return -1;
  let q = at + 8;
  const keyStart = q;
  for (let c = buf[q] as number; c !== QUOTE; c = buf[++q] as number)
    if (c < 0x20 || c === BACKSLASH) return -1;
  cur.strStart = keyStart;
  cur.strEnd = q;
  cur.strEscaped = false;
  const index = ENGINE_KEY_MATCH.match(cur);
  const prefixed = (index >= 0 ? ENGINE_KEY_PREFIXED[index] : startsWithWirescope(cur)) ? 1 : 0;
  // ","value":{"
  if (
    buf[q] !== 0x22 ||
    buf[q + 1] !== 0x2c ||
    buf[q + 2] !== 0x22 ||
    buf[q + 3] !== 0x76 ||
    buf[q + 4] !== 0x61 ||
    buf[q + 5] !== 0x6c ||
    buf[q + 6] !== 0x75 ||
    buf[q + 7] !== 0x65 ||
    buf[q + 8] !== 0x22 ||
    buf[q + 9] !== 0x3a ||
    buf[q + 10] !== 0x7b ||
    buf[q + 11] !== 0x22
  )
    return -1;
  q += 12;
  let value: AttributeValue | undefined;
  const kind = buf[q];
  if (kind === 0x73 && bytesAt(cur, q, STRING_VALUE)) {
    q += STRING_VALUE.length;
    if (buf[q] !== QUOTE) return -1;
    const s = ++q;
    for (let c = buf[q] as number; c !== QUOTE; c = buf[++q] as number)
      if (c < 0x20 || c === BACKSLASH) return -1;
    if (index >= 0) value = cachedText(cur, s, q);
    q++;
  } else if (kind === 0x69 && bytesAt(cur, q, INT_VALUE)) {
    q += INT_VALUE.length;
    const s = q;
    if (buf[q] === 0x2d) q++;
    if (buf[q] === 0x30) q++;
    else while (isDigit(buf[q])) q++;
    if (q === s || buf[q - 1] === 0x2d || q - s > 15) return -1;
    if (index >= 0) value = digits(cur, s, q - s, buf[s] === 0x2d);
  } else if (kind === 0x62 && bytesAt(cur, q, BOOL_VALUE)) {
    q += BOOL_VALUE.length;
    if (buf[q] === 0x74 && buf[q + 1] === 0x72 && buf[q + 2] === 0x75 && buf[q + 3] === 0x65) {
      value = true;
      q += 4;
    } else if (
      buf[q] === 0x66 &&
      buf[q + 1] === 0x61 &&
      buf[q + 2] === 0x6c &&
      buf[q + 3] === 0x73 &&
      buf[q + 4] === 0x65
    ) {
      value = false;
      q += 5;
    } else return -1;
  } else if (kind === 0x64 && bytesAt(cur, q, DOUBLE_VALUE)) {
    q += DOUBLE_VALUE.length;
    const s = q;
    if (buf[q] !== 0x2d && !isDigit(buf[q])) return -1;
    cur.p = q;
    num(cur);
    q = cur.p;
    if (index >= 0) value = Number(asciiText(cur, s, q));
  } else return -1;
  if (buf[q] !== CLOSE_OBJECT || buf[q + 1] !== CLOSE_OBJECT) {
    cur.p = at;
    return -1;
  }
  cur.p = q + 2;
  if (index >= 0) values[index] = value;
  return prefixed;
}

/**
 * Reads one `KeyValue`: with `keys`, into `values` at the key's index when it is one of them, and the
 * return value says whether the key starts with `wirescope.`; without, into `kept` under its key. Gives
 * up on anything but `{ "key": "…", "value": { "<one scalar kind>": … } }` with a value `anyValue` keeps.
 */
export function keyValue(
  cur: Cursor,
  kept: Attributes | Array<AttributeValue | undefined>,
  keys?: Keys,
): boolean {
  let key: string | undefined;
  let index = -1;
  let prefixed = false;
  let value: AttributeValue | undefined;
  let sawKey = false;
  let sawValue = false;
  if (!openObject(cur)) giveUp();
  do {
    const k = memberKey(cur, KEY_VALUE_KEYS);
    if (k === 0) {
      if (sawKey || ws(cur) !== QUOTE) giveUp();
      sawKey = true;
      str(cur);
      if (keys) {
        index = keys.match(cur);
        prefixed = startsWithWirescope(cur);
      } else {
        key = strText(cur);
      }
    } else if (k === 1) {
      if (sawValue) giveUp();
      sawValue = true;
      // Decoded unless the key came first and is not one that is kept.
      value = anyValue(cur, keys !== undefined && sawKey && index < 0);
    } else giveUp();
  } while (more(cur, CLOSE_OBJECT));
  if (!sawKey || !sawValue) giveUp();
  if (keys === undefined) (kept as Attributes)[key as string] = value as AttributeValue;
  else if (index >= 0) (kept as Array<AttributeValue | undefined>)[index] = value;
  return prefixed;
}

/**
 * An `AnyValue` object with one member, as `anyValue` converts it (an array, kvlist or bytes value only
 * skipped, when `checkOnly`); `checkOnly`: checked, not
 * decoded (returns undefined). Gives up where `anyValue` would drop the value or needs care.
 */
export function anyValue(cur: Cursor, checkOnly: boolean): AttributeValue | undefined {
  if (!openObject(cur)) giveUp();
  const k = memberKey(cur, ANY_VALUE_KEYS);
  let value: AttributeValue | undefined;
  const c = ws(cur);
  switch (k) {
    case 0: // stringValue
      if (c !== QUOTE) giveUp();
      str(cur);
      if (!checkOnly) value = strText(cur);
      break;
    case 1: {
      // intValue: a safe integer as a number or a decimal string
      let s: number;
      let e: number;
      if (c === QUOTE) {
        str(cur);
        s = cur.strStart;
        e = cur.strEnd;
        if (cur.strEscaped) giveUp();
        let i = s;
        if (cur.b[i] === 0x2d) i++;
        if (i === e) giveUp();
        for (; i < e; i++) if (!isDigit(cur.b[i])) giveUp();
      } else if (c === 0x2d || isDigit(c)) {
        s = cur.p;
        if (!num(cur)) giveUp();
        e = cur.p;
      } else return giveUp();
      if (e - s > 15) giveUp();
      if (!checkOnly) value = Number(asciiText(cur, s, e));
      break;
    }
    case 2: // boolValue
      if (c !== 0x74 && c !== 0x66) giveUp();
      value = literal(cur) as boolean;
      break;
    case 3: {
      // doubleValue: a JSON number
      if (c !== 0x2d && !isDigit(c)) giveUp();
      const s = cur.p;
      num(cur);
      if (!checkOnly) value = Number(asciiText(cur, s, cur.p));
      break;
    }
    case 4: // arrayValue
    case 5: // kvlistValue
    case 6: // bytesValue
      if (!checkOnly) giveUp();
      skip(cur, 1);
      break;
    default:
      giveUp();
  }
  if (ws(cur) !== CLOSE_OBJECT) giveUp();
  cur.p++;
  return checkOnly ? undefined : value;
}
