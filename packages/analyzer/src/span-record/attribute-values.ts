import type { AttributeValue } from '../types.js';

/** A string attribute value (numbers are stringified), or undefined. */
export function strVal(value: AttributeValue | undefined): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** A finite number attribute value (numeric strings and bigints accepted: Jaeger and OTLP JSON vary), or undefined. */
export function numVal(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A boolean attribute value (`"true"`/`"false"` strings accepted), or undefined. */
export function boolVal(value: AttributeValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Milliseconds between two nanosecond timestamps, never negative. */
export function durationMs(startNs: bigint, endNs: bigint): number {
  return endNs > startNs ? Number(endNs - startNs) / 1e6 : 0;
}

/** Nanoseconds since the epoch as float milliseconds (sub-microsecond precision is not needed). */
export function toMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}
