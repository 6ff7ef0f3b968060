import diagnosticsChannel from 'node:diagnostics_channel';
import { context, type Tracer, trace } from '@opentelemetry/api';
import type { AttemptScope } from '@wirescope/instrumentation';
import { onBeforeConnect, onConnectError, onConnected } from './connection-channels.js';
import { guard } from './guard.js';
import type { ActiveSpanTarget } from './internal-types.js';
import { startPhaseEntries, stopPhaseEntries } from './phase-entries.js';
import { onBodySent, onCreate, onError, onHeaders, onSendHeaders, onTrailers } from './request-channels.js';

/** Something that wants undici facts: an enabled instrumentation, or the plugin's switch. */
export interface HubConsumer {
  readonly recordOnActiveSpan: boolean;
  tracer(): Tracer;
  /** Grace period of a response body before it is `unread`; undefined: the default. */
  readonly bodyGracePeriodMs?: number | undefined;
}

// Node's bundled undici (fetch) and the `undici` npm package publish on the same channel names, so
// one set of subscriptions covers both. All consumers share it: a request is recorded once, and
// socket bookkeeping (new vs reused) sees every request whoever asked for facts.
const consumers = new Set<HubConsumer>();

const target: ActiveSpanTarget = {
  scopeForActiveSpan(): AttemptScope | undefined {
    for (const consumer of consumers) {
      if (!consumer.recordOnActiveSpan) continue;
      const span = trace.getSpan(context.active());
      if (!span?.isRecording()) return undefined;
      return { attempt: 0, span, tracer: consumer.tracer(), facts: new Map() };
    }
    return undefined;
  },
  bodyGracePeriodMs(): number | undefined {
    let shortest: number | undefined;
    for (const { bodyGracePeriodMs: ms } of consumers) {
      if (
        typeof ms === 'number' &&
        Number.isFinite(ms) &&
        ms >= 0 &&
        (shortest === undefined || ms < shortest)
      )
        shortest = ms;
    }
    return shortest;
  },
};

const HANDLERS: Record<string, (message: unknown) => void> = {
  'undici:request:create': (message) => onCreate(message, target),
  'undici:client:beforeConnect': (message) => onBeforeConnect(message, target),
  'undici:client:connected': onConnected,
  'undici:client:connectError': onConnectError,
  'undici:client:sendHeaders': onSendHeaders,
  'undici:request:bodySent': onBodySent,
  'undici:request:headers': (message) => onHeaders(message, target),
  'undici:request:trailers': onTrailers,
  'undici:request:error': onError,
};

/**
 * Test-only seam: set `globalThis[Symbol.for('wirescope.instrumentation-undici.fault')]` to a channel
 * name (or '*') and that subscriber throws, to prove a failure never reaches the host.
 */
const FAULT_KEY = Symbol.for('wirescope.instrumentation-undici.fault');

const subscriptions = new Map<string, (message: unknown, name: string | symbol) => void>();

/** Adds a consumer; the first one subscribes to undici's channels. */
export function addConsumer(consumer: HubConsumer): void {
  consumers.add(consumer);
  if (subscriptions.size > 0) return;
  startPhaseEntries();
  for (const [channel, handler] of Object.entries(HANDLERS)) {
    // Subscribers run inside undici's request path: fast, and never throwing (a throw would become
    // an uncaughtException in the host).
    const subscriber = (message: unknown) =>
      guard(`handling ${channel}`, () => {
        const fault = (globalThis as Record<symbol, unknown>)[FAULT_KEY];
        if (fault === channel || fault === '*') throw new Error(`injected fault in ${channel}`);
        handler(message);
      });
    diagnosticsChannel.subscribe(channel, subscriber);
    subscriptions.set(channel, subscriber);
  }
}

/** Removes a consumer; the last one unsubscribes every channel and stops the perf_hooks observer. */
export function removeConsumer(consumer: HubConsumer): void {
  consumers.delete(consumer);
  if (consumers.size > 0) return;
  for (const [channel, subscriber] of subscriptions) {
    guard(`unsubscribing ${channel}`, () => {
      diagnosticsChannel.unsubscribe(channel, subscriber);
    });
  }
  subscriptions.clear();
  guard('stopping the perf_hooks observer', stopPhaseEntries);
}

/** True while undici's channels are subscribed. */
export function isSubscribed(): boolean {
  return subscriptions.size > 0;
}
