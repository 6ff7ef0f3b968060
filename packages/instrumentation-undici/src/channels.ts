import diagnosticsChannel from 'node:diagnostics_channel';
import { context, INVALID_SPAN_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { type AttemptScope, shortestGracePeriod } from '@wirescope/instrumentation';
import type { ActiveSpanTarget, ChannelSubscriber, HubConsumer } from './internal-types.js';
import { hubState } from './ledger.js';
import { onBeforeConnect, onConnectError, onConnected } from './observe-connection.js';
import { onBodySent, onCreate, onError, onHeaders, onSendHeaders, onTrailers } from './observe-request.js';
import { startPhaseEntries, stopPhaseEntries } from './phase-entries.js';
import { guard } from './version.js';

// Node's bundled undici (fetch) and the `undici` npm package publish on the same channel names, so
// one set of subscriptions covers both. Every consumer of every copy of this package shares it (the
// hub state): a request is recorded once, and socket bookkeeping (new vs reused) sees every request
// whoever asked for facts.

// The parent of a request measured for its metrics only: records nothing, starts no child span.
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

const target: ActiveSpanTarget = {
  scopeForActiveSpan(): AttemptScope | undefined {
    for (const consumer of hubState().consumers) {
      if (!consumer.recordOnActiveSpan) continue;
      const span = trace.getSpan(context.active());
      const recording = span?.isRecording() === true;
      // No recording span: only the connection metrics, when a MeterProvider is registered.
      const metrics = consumer.metrics?.();
      if (!recording && !metrics) return undefined;
      const parent = recording && span ? span : NOT_RECORDING;
      return { attempt: 0, span: parent, tracer: consumer.tracer(), facts: new Map(), metrics };
    }
    return undefined;
  },
  bodyGracePeriodMs(): number | undefined {
    return shortestGracePeriod(hubState().consumers);
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
 * Adds a consumer. The first consumer in the process, whichever copy of this package it comes from,
 * subscribes to undici's channels with this copy's subscribers; a later one only joins.
 */
export function addConsumer(consumer: HubConsumer): void {
  const state = hubState();
  state.consumers.add(consumer);
  if (state.subscriptions.size > 0) return;
  guard.run('starting the perf_hooks observer', startPhaseEntries);
  for (const [channel, handler] of Object.entries(HANDLERS)) {
    // Subscribers run inside undici's request path: fast, and never throwing (a throw would become
    // an uncaughtException in the host). No closure per message: the guard only sees a failure.
    const what = `handling ${channel}`;
    const subscriber: ChannelSubscriber = (message) => {
      try {
        handler(message);
      } catch (error) {
        guard.report(what, error);
      }
    };
    state.subscriptions.set(channel, subscriber);
    guard.run(`subscribing to ${channel}`, () => diagnosticsChannel.subscribe(channel, subscriber));
  }
}

/**
 * Removes a consumer; the last one out, from whichever copy, unsubscribes the subscribers the hub
 * state holds and stops the perf_hooks observer.
 */
export function removeConsumer(consumer: HubConsumer): void {
  const state = hubState();
  state.consumers.delete(consumer);
  if (state.consumers.size > 0) return;
  for (const [channel, subscriber] of state.subscriptions) {
    guard.run(`unsubscribing ${channel}`, () => {
      diagnosticsChannel.unsubscribe(channel, subscriber);
    });
  }
  state.subscriptions.clear();
  guard.run('stopping the perf_hooks observer', stopPhaseEntries);
}
