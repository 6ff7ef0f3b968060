/** Starts an in-memory capture of spans. */
export { captureSpans } from './capture.js';
/** The matchers for `expect.extend`, and a one-call way to register them. */
export { installWirescopeMatchers, wirescopeMatchers } from './matchers.js';
export type { CapturedSpans, CaptureOptions, WirescopeMatchers } from './types.js';
/** Captures spans per test: reset before each test, stopped after the file's last test. */
export { useSpanCapture } from './use-span-capture.js';
