import { processState } from './process-registry.js';

/**
 * One connection-id scheme for every handler, `c<pid>-<n>`, from one counter shared by every copy of
 * every package in the process: two instrumentations (or two copies of one) never hand out the same id.
 */
export function nextConnectionId(): string {
  const counter = processState('@wirescope/instrumentation:connection-counter', () => ({ next: 0 }));
  counter.next += 1;
  return `c${process.pid}-${counter.next}`;
}
