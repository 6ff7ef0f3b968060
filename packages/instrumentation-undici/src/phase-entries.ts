import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { epochMs } from '@wirescope/instrumentation';
import type { BufferedEntry, PhaseWindow } from './internal-types.js';
import { hubState } from './ledger.js';
import { guard } from './version.js';

// undici publishes one `connected` message once DNS, TCP and TLS are all done, and it gives no
// earlier access to the socket. Node's perf_hooks measure the first two on their own ('dns' lookup
// and 'net' connect entries, Node ≥ 16.?; no patching), so we keep the recent ones and match them to
// the socket undici hands us: net entries by remote address and port, dns entries by host name, both
// inside the window between `beforeConnect` and `connected`. Entries are delivered on setImmediate,
// which runs before the TLS handshake (a network round trip) can finish. The observer and the kept
// entries are process-wide (the hub state): one observer, whichever copy of this package subscribed.

const MAX_ENTRIES = 512;
const MAX_AGE_MS = 120_000;

/** Starts keeping Node's dns/net performance entries. Idempotent. */
export function startPhaseEntries(): void {
  const state = hubState();
  if (state.observer) return;
  // A failure here (an entry of a shape we do not know) goes to diag: the phase falls back to undici's
  // own times (see observe-connection.ts).
  const observer = new PerformanceObserver((list) => {
    guard.run('reading perf_hooks entries', () => {
      for (const entry of list.getEntries()) keep(entry);
    });
  });
  // Kept before observing: should observe() throw, stopPhaseEntries still finds it to disconnect.
  state.observer = observer;
  observer.observe({ entryTypes: ['dns', 'net'] });
}

/** Keeps the entries queued for the observer's next callback (`takeRecords` empties the queue). */
function drainPending(): void {
  guard.run('reading queued perf_hooks entries', () => {
    for (const entry of hubState().observer?.takeRecords() ?? []) keep(entry);
  });
}

/** Stops observing and forgets the kept entries. */
export function stopPhaseEntries(): void {
  const state = hubState();
  const { observer } = state;
  state.observer = undefined;
  state.dnsEntries.length = 0;
  state.netEntries.length = 0;
  observer?.disconnect();
}

function keep(entry: PerformanceEntry): void {
  const detail = (entry as PerformanceEntry & { detail?: unknown }).detail as
    | { host?: unknown; hostname?: unknown; port?: unknown }
    | undefined;
  const startMs = epochMs(entry.startTime);
  const window = { startMs, endMs: startMs + entry.duration };
  if (entry.entryType === 'net' && entry.name === 'connect' && typeof detail?.host === 'string') {
    const port = typeof detail.port === 'number' ? detail.port : Number(detail.port);
    push(hubState().netEntries, { ...window, host: detail.host, port, claimed: false });
  } else if (entry.entryType === 'dns' && entry.name === 'lookup' && typeof detail?.hostname === 'string') {
    push(hubState().dnsEntries, { ...window, host: detail.hostname, port: undefined, claimed: false });
  }
}

function push(list: BufferedEntry[], entry: BufferedEntry): void {
  list.push(entry);
  const horizon = entry.endMs - MAX_AGE_MS;
  while (list.length > MAX_ENTRIES || (list.length > 0 && list[0]!.endMs < horizon)) list.shift();
}

/** Claims the earliest unclaimed TCP connect to `address`:`port` inside [fromMs, toMs]. */
export function claimNetConnect(
  address: string,
  port: number,
  fromMs: number,
  toMs: number,
): PhaseWindow | undefined {
  return claim(hubState().netEntries, (e) => e.host === address && e.port === port, fromMs, toMs);
}

/** Claims the earliest unclaimed DNS lookup of `hostname` inside [fromMs, toMs]. */
export function claimDnsLookup(hostname: string, fromMs: number, toMs: number): PhaseWindow | undefined {
  return claim(hubState().dnsEntries, (e) => e.host === hostname, fromMs, toMs);
}

// Clocks agree to the microsecond, but allow for rounding of entry times.
const SLACK_MS = 1;

function claim(
  list: BufferedEntry[],
  matches: (entry: BufferedEntry) => boolean,
  fromMs: number,
  toMs: number,
): PhaseWindow | undefined {
  // The observer's callback runs later (a busy loop delays it past the connect); the entries Node has
  // queued for it are already there: take them now.
  drainPending();
  for (const entry of list) {
    if (entry.claimed || !matches(entry)) continue;
    if (entry.startMs < fromMs - SLACK_MS || entry.endMs > toMs + SLACK_MS) continue;
    entry.claimed = true;
    return { startMs: entry.startMs, endMs: entry.endMs };
  }
  return undefined;
}
