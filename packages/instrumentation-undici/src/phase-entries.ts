import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { entryMs } from './clock.js';
import type { PhaseWindow } from './internal-types.js';

// undici publishes one `connected` message once DNS, TCP and TLS are all done, and it gives no
// earlier access to the socket. Node's perf_hooks measure the first two on their own ('dns' lookup
// and 'net' connect entries, Node ≥ 16.?; no patching), so we keep the recent ones and match them to
// the socket undici hands us: net entries by remote address and port, dns entries by host name, both
// inside the window between `beforeConnect` and `connected`. Entries are delivered on setImmediate,
// which runs before the TLS handshake (a network round trip) can finish.

const MAX_ENTRIES = 512;
const MAX_AGE_MS = 120_000;

interface BufferedEntry extends PhaseWindow {
  /** `host` (an IP) for net entries, `hostname` for dns entries. */
  readonly host: string;
  /** Remote port, for net entries. */
  readonly port: number | undefined;
  claimed: boolean;
}

const dnsEntries: BufferedEntry[] = [];
const netEntries: BufferedEntry[] = [];
let observer: PerformanceObserver | undefined;

/** Starts keeping Node's dns/net performance entries. Idempotent. */
export function startPhaseEntries(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    try {
      for (const entry of list.getEntries()) keep(entry);
    } catch {
      // An entry of a shape we do not know: ignore it, the phase falls back (see phase-spans.ts).
    }
  });
  observer.observe({ entryTypes: ['dns', 'net'] });
}

/** Keeps the entries queued for the observer's next callback (`takeRecords` empties the queue). */
function drainPending(): void {
  try {
    for (const entry of observer?.takeRecords() ?? []) keep(entry);
  } catch {
    // As in the callback: an entry of a shape we do not know is ignored.
  }
}

/** Stops observing and forgets the kept entries. */
export function stopPhaseEntries(): void {
  observer?.disconnect();
  observer = undefined;
  dnsEntries.length = 0;
  netEntries.length = 0;
}

function keep(entry: PerformanceEntry): void {
  const detail = (entry as PerformanceEntry & { detail?: unknown }).detail as
    | { host?: unknown; hostname?: unknown; port?: unknown }
    | undefined;
  const startMs = entryMs(entry.startTime);
  const window = { startMs, endMs: startMs + entry.duration };
  if (entry.entryType === 'net' && entry.name === 'connect' && typeof detail?.host === 'string') {
    const port = typeof detail.port === 'number' ? detail.port : Number(detail.port);
    push(netEntries, { ...window, host: detail.host, port, claimed: false });
  } else if (entry.entryType === 'dns' && entry.name === 'lookup' && typeof detail?.hostname === 'string') {
    push(dnsEntries, { ...window, host: detail.hostname, port: undefined, claimed: false });
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
  return claim(netEntries, (e) => e.host === address && e.port === port, fromMs, toMs);
}

/** Claims the earliest unclaimed DNS lookup of `hostname` inside [fromMs, toMs]. */
export function claimDnsLookup(hostname: string, fromMs: number, toMs: number): PhaseWindow | undefined {
  return claim(dnsEntries, (e) => e.host === hostname, fromMs, toMs);
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
