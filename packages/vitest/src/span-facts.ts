import type { WireSpan } from '@wirescope/analyzer';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_CONNECTION_REUSED,
  ATTR_RPC_SYSTEM,
  RPC_SYSTEM_AWS_API,
} from '@wirescope/semconv';

/** Span counts by name, sorted by name. */
export function countsByName(spans: readonly WireSpan[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const span of spans) counts.set(span.name, (counts.get(span.name) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

/** Operation spans: one per SDK call (`rpc.system` = `aws-api`). */
export function operationSpans(spans: readonly WireSpan[]): WireSpan[] {
  return spans.filter((span) => span.attributes[ATTR_RPC_SYSTEM] === RPC_SYSTEM_AWS_API);
}

/** Attempt spans: one per HTTP attempt (they carry `wirescope.attempt`). */
export function attemptSpans(spans: readonly WireSpan[]): WireSpan[] {
  return spans.filter((span) => typeof span.attributes[ATTR_ATTEMPT] === 'number');
}

/**
 * Attempts one operation made: its `wirescope.attempts` attribute, else the number of its attempt
 * children that were captured.
 */
export function attemptsOf(operation: WireSpan, spans: readonly WireSpan[]): number {
  const recorded = operation.attributes[ATTR_ATTEMPTS];
  if (typeof recorded === 'number') return recorded;
  if (typeof recorded === 'bigint') return Number(recorded);
  return attemptSpans(spans).filter((span) => span.parentSpanId === operation.spanId).length;
}

/** True when an attempt ran on a reused connection. */
export function isReused(attempt: WireSpan): boolean {
  return attempt.attributes[ATTR_CONNECTION_REUSED] === true;
}

/** `  name  count` lines, aligned, for failure messages; `(none)` when empty. */
export function formatCounts(counts: ReadonlyMap<string, number>, indent = '  '): string {
  if (counts.size === 0) return `${indent}(none)`;
  const width = Math.max(...[...counts.keys()].map((name) => name.length));
  return [...counts].map(([name, count]) => `${indent}${name.padEnd(width)}  ${count}`).join('\n');
}

/** "1 span" / "3 spans". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
