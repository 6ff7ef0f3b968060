import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { CapturedSpans } from '@wirescope/vitest';
import { afterEach } from 'vitest';

/** Appends spans to `file` as one OTLP JSON export request on one line (the collector's file format). */
export function appendOtlpJsonLine(file: string, spans: readonly ReadableSpan[]): void {
  if (spans.length === 0) return;
  const bytes = JsonTraceSerializer.serializeRequest([...spans]);
  if (bytes) appendFileSync(file, `${Buffer.from(bytes).toString('utf8')}\n`);
}

/**
 * When WIRESCOPE_TRACES_FILE is set, appends each test's spans to that file as OTLP JSON Lines, for
 * `wirescope check` after the tests.
 */
export function recordTracesToFile(captured: CapturedSpans): void {
  const target = process.env['WIRESCOPE_TRACES_FILE'];
  if (!target) return;
  const file = resolve(target);
  afterEach(() => appendOtlpJsonLine(file, captured.readableSpans));
}
