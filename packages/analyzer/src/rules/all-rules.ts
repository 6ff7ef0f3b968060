import type { Rule } from '../records.js';
import { connectionChurnRule } from './connection-churn.js';
import { crossRegionRule } from './cross-region.js';
import { dnsLookupPerConnectionRule } from './dns-lookup-per-connection.js';
import { expectContinueNoReuseRule } from './expect-continue-no-reuse.js';
import { expectContinueTimeoutRule } from './expect-continue-timeout.js';
import { hotPrefixRule } from './hot-prefix.js';
import { noTimeoutRule } from './no-timeout.js';
import { regionRedirectRule } from './region-redirect.js';
import { slowHandshakeRule } from './slow-handshake.js';
import { socketPoolSaturationRule } from './socket-pool-saturation.js';
import { staleConnectionResetRule } from './stale-connection-reset.js';
import { unconsumedBodyRule } from './unconsumed-body.js';
import { unretriedSocketErrorRule } from './unretried-socket-error.js';

/** Every rule, one per finding code, in the order of FINDING_CODES. */
export const ALL_RULES: readonly Rule[] = [
  crossRegionRule,
  regionRedirectRule,
  connectionChurnRule,
  staleConnectionResetRule,
  expectContinueNoReuseRule,
  dnsLookupPerConnectionRule,
  socketPoolSaturationRule,
  slowHandshakeRule,
  unretriedSocketErrorRule,
  hotPrefixRule,
  unconsumedBodyRule,
  noTimeoutRule,
  expectContinueTimeoutRule,
];
