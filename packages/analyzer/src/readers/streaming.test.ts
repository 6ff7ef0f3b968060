import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { syntheticOtlpDocument, syntheticOtlpLines } from '../testing/synthetic-otlp.js';
import { readSpans } from './read-spans.js';

const SPANS = 50_000;

/** A stream that builds its text piece by piece, as it is pulled, and counts what was pulled. */
function meteredStream(pieces: Iterable<string>): {
  stream: Readable;
  pulled: () => number;
  ended: () => boolean;
} {
  let pulled = 0;
  let ended = false;
  function* chunks(): Generator<Buffer> {
    let pending: string[] = [];
    let size = 0;
    for (const piece of pieces) {
      pending.push(piece);
      size += piece.length;
      if (size >= 64 * 1024) {
        const chunk = Buffer.from(pending.join(''));
        pending = [];
        size = 0;
        pulled += chunk.length;
        yield chunk;
      }
    }
    const last = Buffer.from(pending.join(''));
    pulled += last.length;
    yield last;
    ended = true;
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), pulled: () => pulled, ended: () => ended };
}

describe('readSpans streams', () => {
  for (const [label, pieces] of [
    ['OTLP JSON Lines', () => syntheticOtlpLines(SPANS)],
    ['one OTLP JSON document', () => syntheticOtlpDocument(SPANS)],
  ] as const) {
    it(`reads ${SPANS} spans of ${label} as the bytes arrive, holding a small window`, async () => {
      const { stream, pulled, ended } = meteredStream(pieces());
      let count = 0;
      let pulledAtFirst = -1;
      const samples: Array<[number, number]> = [];
      let endedAtHalf = true;
      let lastLine = 0;
      for await (const span of readSpans({ stream, name: label })) {
        count++;
        if (count === 1) pulledAtFirst = pulled();
        if (count === SPANS / 2) endedAtHalf = ended();
        if (count % 100 === 0) samples.push([count, pulled()]);
        expect(span.source!.line!).toBeGreaterThanOrEqual(lastLine);
        lastLine = span.source!.line!;
      }
      expect(count).toBeGreaterThanOrEqual(SPANS);
      expect(ended()).toBe(true);
      expect(endedAtHalf).toBe(false);
      expect(pulledAtFirst).toBeLessThan(pulled() / 20);
      // Bytes pulled ahead of the spans handed out so far, at the average size of a span.
      const bytesPerSpan = pulled() / count;
      const maxWindow = Math.max(...samples.map(([n, bytes]) => bytes - n * bytesPerSpan));
      expect(maxWindow).toBeLessThan(1024 * 1024); // measured: one 64 KiB chunk
      expect(pulled()).toBeGreaterThan(20 * 1024 * 1024); // the window is a small part of the input
    });
  }
});
