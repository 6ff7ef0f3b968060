import { EXPECT_CONTINUE_ENDED_BY_TIMER, FINDING_EXPECT_CONTINUE_NO_REUSE } from '@wirescope/semconv';
import type { AttemptRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import {
  evidence,
  finding,
  handshakeMs,
  median,
  ms,
  operationNames,
  plural,
  severityForCost,
  sum,
} from './rule-helpers.js';

/** The body size from which the SDK's S3 client sends `Expect: 100-continue` (2 MiB). */
export const EXPECT_CONTINUE_THRESHOLD_BYTES = 2 * 1024 * 1024;

/**
 * True for an attempt on the SDK's one-off agent: `wirescope.agent.one_off`, or a 100-continue request
 * on a new connection from an agent with keep-alive off, or a ≥ 2 MiB 100-continue body on a new
 * node-http connection (the SDK builds `new https.Agent({ keepAlive: false })` for those unless the user
 * passed an Agent instance).
 */
function onOneOffAgent(a: AttemptRecord): boolean {
  if (a.oneOff) return true;
  if (!a.expectContinue || !a.isNew) return false;
  if (a.keepAlive === false) return true;
  return (
    a.handler === 'node-http' &&
    a.keepAlive === undefined &&
    (a.bodySize ?? 0) >= EXPECT_CONTINUE_THRESHOLD_BYTES
  );
}

/**
 * `expect-continue-no-reuse`. Triggers on ≥ 1 attempt on the one-off agent (see `onOneOffAgent`): such
 * uploads never reuse a connection. Cost per upload = the measured 100-continue wait
 * (`wirescope.expect_continue.wait_ms`; not when the SDK's timer ended it: that is expect-continue-timeout's
 * cost) + the dns+tcp+tls of its one-off connection.
 */
export const expectContinueNoReuseRule: Rule = {
  code: FINDING_EXPECT_CONTINUE_NO_REUSE,
  run(context: RuleContext): Finding[] {
    const uploads = context.attempts.filter(onOneOffAgent);
    if (uploads.length === 0) return [];
    const waits = uploads.map((a) => a.expectWaitMs ?? 0);
    // A wait the SDK's timer ended is expect-continue-timeout's cost: not counted twice.
    const counted = uploads.map((a) =>
      a.expectEndedBy === EXPECT_CONTINUE_ENDED_BY_TIMER ? 0 : (a.expectWaitMs ?? 0),
    );
    const handshakes = uploads.map(handshakeMs);
    const costMs = sum(counted) + sum(handshakes);
    const perCall = costMs / uploads.length;
    return [
      finding({
        code: FINDING_EXPECT_CONTINUE_NO_REUSE,
        severity: severityForCost(perCall),
        summary: `${plural(uploads.length, 'upload')} (${operationNames(uploads)}) of ≥ 2 MiB waited for 100-continue on a one-off agent with keep-alive off: new connection + wait ≈ ${ms(perCall)} each`,
        costMs,
        costPerCallMs: perCall,
        costBasis: 'measured: 100-continue wait plus dns+tcp+tls of each one-off connection',
        fix: 'Pass an https.Agent instance to the handler (new NodeHttpHandler({ httpsAgent })) so large uploads reuse it, or turn the header off with the S3Client option expectContinueHeader: false.',
        evidence: evidence(
          uploads,
          { uploads: uploads.length },
          { continueWaitMedianMs: median(waits), handshakeMedianMs: median(handshakes) },
        ),
      }),
    ];
  },
};
