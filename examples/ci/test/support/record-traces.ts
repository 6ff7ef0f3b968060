import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { CapturedSpans } from '@wirescope/vitest';
import { afterEach } from 'vitest';

/**
 * When WIRESCOPE_TRACES_FILE is set, appends each test's spans to that file as OTLP JSON Lines (one
 * export request per line, as the collector's file exporter writes them), for `wirescope check`.
 */
export function recordTracesToFile(captured: CapturedSpans): void {
  const target = process.env['WIRESCOPE_TRACES_FILE'];
  if (!target) return;
  const file = resolve(target);
  afterEach(() => {
    const spans = captured.readableSpans;
    if (spans.length === 0) return;
    const bytes = JsonTraceSerializer.serializeRequest([...spans]);
    if (bytes) appendFileSync(file, `${Buffer.from(bytes).toString('utf8')}\n`);
  });
}
