import { describe, expect, it } from 'vitest';
import { type LineTracker, ValueCapture } from './json-capture.js';

/** Feeds `chunks` to a capture that starts at the first byte; the text and where the value ended. */
function captureAcross(chunks: readonly string[]) {
  const lines: LineTracker = { base: 0, line: 1, lineStart: 0 };
  const capture = new ValueCapture(lines);
  let end = -1;
  let text: string | undefined;
  chunks.forEach((chunk, index) => {
    const buf = Buffer.from(chunk);
    const i = index === 0 ? capture.begin(buf, 0) : capture.resume(buf);
    if (capture.done && text === undefined) {
      text = capture.text(buf, i);
      end = lines.base + i;
    } else if (text === undefined) capture.hold(buf);
    lines.base += buf.length;
  });
  return { text, end, line: lines.line, capture };
}

const VALUES = [
  '{"a":"x\\"}","b":[1,{"c":"\\\\"}],\n"d":"\\\\\\""}',
  '"a \\" quoted \\\\ string"',
  '[{"k":"]"},\n\n"}"]',
];

describe('ValueCapture', () => {
  it.each(VALUES)('captures %s whole, split at every byte into two chunks', (value) => {
    const tail = ',"next":1}';
    const input = value + tail;
    for (let cut = 1; cut < input.length; cut++) {
      const { text, end, line } = captureAcross([input.slice(0, cut), input.slice(cut)]);
      expect(text, `cut at ${cut}`).toBe(value);
      expect(end).toBe(Buffer.byteLength(value));
      // Newlines inside a container are counted (not those after it: the scanner counts those).
      expect(line).toBe(1 + (value.startsWith('"') ? 0 : value.split('\n').length - 1));
    }
  });

  it('one byte per chunk', () => {
    const value = VALUES[0]!;
    expect(captureAcross([...`${value} `]).text).toBe(value);
  });

  it('a literal ends at the first byte that is not part of it, or at the end of the input', () => {
    expect(captureAcross(['-12.5e3,']).text).toBe('-12.5e3');
    const open = captureAcross(['tr', 'ue']);
    expect(open.text).toBeUndefined();
    expect(open.capture.endsAtInputEnd).toBe(true);
    expect(open.capture.text(Buffer.alloc(0), 0)).toBe('true');
  });

  it('size counts what earlier chunks held', () => {
    const lines: LineTracker = { base: 0, line: 1, lineStart: 0 };
    const capture = new ValueCapture(lines);
    const first = Buffer.from('xx{"a":');
    capture.begin(first, 2);
    expect(capture.hold(first)).toBe(5);
    const second = Buffer.from('1}');
    const end = capture.resume(second);
    expect(capture.done).toBe(true);
    expect(capture.size(end)).toBe(7);
  });
});
