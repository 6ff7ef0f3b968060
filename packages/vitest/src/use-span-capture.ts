import { afterAll, beforeEach } from 'vitest';
import { captureSpans } from './capture.js';
import type { CapturedSpans, CaptureOptions } from './types.js';

/**
 * Captures spans for the tests of the calling file or `describe` block: forgets the previous test's
 * spans before each test and stops capturing after the last one.
 */
export function useSpanCapture(options: CaptureOptions = {}): CapturedSpans {
  const captured = captureSpans(options);
  beforeEach(() => {
    captured.reset();
  });
  afterAll(async () => {
    await captured.stop();
  });
  return captured;
}
