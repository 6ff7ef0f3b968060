// Shared by the parity suites (test/handler-parity.test.ts: node vs fetch; test/http2-parity.test.ts:
// HTTP/1.1 vs HTTP/2): one "shape" per span slot (`call 2 attempt 1`, `call 1 attempt 1 >
// tls.handshake`) — attribute keys and value types, the values of the facts both sides must agree on,
// the durations for the rounding checks — and the differences between two runs' slots as
// `scenario | slot | key | kind` lines, matched against a table of deliberate differences.
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ATTEMPT,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  PHASE_SPAN_NAMES,
} from '@wirescope/semconv';
import { childrenOf, spansNamed } from './span-query.js';

/** Facts whose values both sides must agree on (normalized by {@link normalize}). */
export const FACT_KEYS = new Set<string>([
  ATTR_ATTEMPT,
  ATTR_CONNECTION_REUSED,
  ATTR_CONNECTION_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
]);
/** Pseudo-key for the number of span links (every attempt links to where its connection was set up). */
export const LINKS = '(links)';

/** What is compared of one span. */
export interface SlotShape {
  types: Map<string, string>;
  facts: Map<string, string>;
  /** Duration attributes (`*_ms`) and their values, for the rounding checks. */
  durations: [string, number][];
}

const typeOf = (value: AttributeValue): string =>
  Array.isArray(value) ? `${typeof value.find((v) => v !== null && v !== undefined)}[]` : typeof value;

/** A fact's value as compared: JSON, with the digits of connection ids as `#`. */
export function normalize(key: string, value: AttributeValue): string {
  if (key === ATTR_CONNECTION_ID) return String(value).replace(/\d+/g, '#');
  return JSON.stringify(value);
}

function shapeOf(span: ReadableSpan): SlotShape {
  const shape: SlotShape = { types: new Map(), facts: new Map(), durations: [] };
  for (const [key, value] of Object.entries(span.attributes)) {
    if (value === undefined) continue;
    shape.types.set(key, typeOf(value));
    if (FACT_KEYS.has(key)) shape.facts.set(key, normalize(key, value));
    if (key.endsWith('_ms') && typeof value === 'number') shape.durations.push([key, value]);
  }
  shape.facts.set(LINKS, String(span.links.length));
  return shape;
}

const byEnd = (a: ReadableSpan, b: ReadableSpan) =>
  a.endTime[0] - b.endTime[0] || a.endTime[1] - b.endTime[1];

/** Every attempt and phase span of a run, by slot: calls in end order, attempts by number. */
export function slotsOf(spans: readonly ReadableSpan[], operation: string): Map<string, SlotShape> {
  const slots = new Map<string, SlotShape>();
  spansNamed(spans, operation)
    .sort(byEnd)
    .forEach((op, call) => {
      const attempts = childrenOf(spans, op).filter((s) => s.name === `${operation} attempt`);
      attempts.sort((a, b) => Number(a.attributes[ATTR_ATTEMPT]) - Number(b.attributes[ATTR_ATTEMPT]));
      attempts.forEach((attempt, index) => {
        const label = `call ${call + 1} attempt ${index + 1}`;
        slots.set(label, shapeOf(attempt));
        const phases = childrenOf(spans, attempt).filter((s) =>
          (PHASE_SPAN_NAMES as readonly string[]).includes(s.name),
        );
        const seen = new Map<string, number>();
        for (const phase of phases.sort(byEnd)) {
          const n = (seen.get(phase.name) ?? 0) + 1;
          seen.set(phase.name, n);
          slots.set(`${label} > ${phase.name}${n > 1 ? ` #${n}` : ''}`, shapeOf(phase));
        }
      });
    });
  return slots;
}

/** Number of decimals of a duration as written (`1e-7` counts as many). */
export function decimals(value: number): number {
  const text = String(value);
  if (/e/i.test(text)) return 99;
  return text.split('.')[1]?.length ?? 0;
}

/**
 * Every difference between two sides' slots, as `scenario | slot | key | kind` lines; kinds `only
 * <a>` / `only <b>` (the key, or `(span)` for a whole span, on one side only), `type <a>≠<b>`,
 * `value <a>≠<b>`.
 */
export function differences(
  scenario: string,
  [nameA, a]: readonly [string, Map<string, SlotShape>],
  [nameB, b]: readonly [string, Map<string, SlotShape>],
): Map<string, string> {
  const found = new Map<string, string>();
  const add = (slot: string, key: string, kind: string, detail = '') =>
    found.set(`${scenario} | ${slot} | ${key} | ${kind}`, detail);
  for (const slot of new Set([...a.keys(), ...b.keys()])) {
    const sa = a.get(slot);
    const sb = b.get(slot);
    if (!sa || !sb) {
      add(slot, '(span)', `only ${sa ? nameA : nameB}`);
      continue;
    }
    for (const key of new Set([...sa.types.keys(), ...sb.types.keys()])) {
      const ta = sa.types.get(key);
      const tb = sb.types.get(key);
      if (ta === undefined || tb === undefined) add(slot, key, `only ${ta ? nameA : nameB}`);
      else if (ta !== tb) add(slot, key, `type ${nameA}≠${nameB}`, `${ta} vs ${tb}`);
    }
    for (const key of new Set([...sa.facts.keys(), ...sb.facts.keys()])) {
      const va = sa.facts.get(key);
      const vb = sb.facts.get(key);
      if (va !== undefined && vb !== undefined && va !== vb)
        add(slot, key, `value ${nameA}≠${nameB}`, `${va} vs ${vb}`);
    }
  }
  return found;
}

/** A table pattern (`*` matches any part) against a difference line. */
export const matches = (pattern: string, line: string): boolean => {
  const p = pattern.split(' | ');
  const l = line.split(' | ');
  return p.length === l.length && p.every((part, i) => part === '*' || part === l[i]);
};

/** The differences no pattern of the table allows, with their details. */
export function unlisted(found: ReadonlyMap<string, string>, allowed: readonly string[]): string[] {
  return [...found]
    .filter(([line]) => !allowed.some((pattern) => matches(pattern, line)))
    .map(([line, detail]) => (detail ? `${line} (${detail})` : line));
}

/** The scenario's wildcard-free table entries that did not occur. */
export function staleEntries(
  scenario: string,
  table: Record<string, string>,
  found: ReadonlyMap<string, string>,
): string[] {
  return Object.keys(table).filter(
    (pattern) => pattern.startsWith(`${scenario} | `) && !pattern.includes('*') && !found.has(pattern),
  );
}

/** Checks a slot has what a scenario says it must produce: values (normalized) or `true` (exists). */
export function producedFacts(
  slots: Map<string, SlotShape>,
  produces: Record<string, Record<string, AttributeValue> | true>,
): { slot: string; actual: Record<string, string | undefined> | boolean; wanted: object | boolean }[] {
  return Object.entries(produces).map(([slot, expected]) => {
    const shape = slots.get(slot);
    if (expected === true || !shape) return { slot, actual: shape !== undefined, wanted: true };
    const actual = Object.fromEntries(Object.keys(expected).map((key) => [key, shape.facts.get(key)]));
    const wanted = Object.fromEntries(Object.entries(expected).map(([key, v]) => [key, normalize(key, v)]));
    return { slot, actual, wanted };
  });
}
