import { diag } from '@opentelemetry/api';
import { checkpoint } from './test-seams.js';

/** Guards one piece of bookkeeping: a failure is logged, never thrown into the host. */
export function guard(stage: string, fn: () => void): void {
  try {
    checkpoint(stage);
    fn();
  } catch (error) {
    diag.warn(`@wirescope/instrumentation-http: bookkeeping failed at ${stage}`, error);
  }
}
