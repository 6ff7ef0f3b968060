import http from 'node:http';
import { joinPatch, leavePatch, type PatchSlot, processState } from '@wirescope/instrumentation';
import type { AddRequest, AgentInternals, Consumer, PatchRegistry } from './internal-types.js';
import { beginRequest, settleAddRequest } from './observe-request.js';
import { resolveTarget } from './resolve-target.js';
import { guard } from './version.js';

/**
 * The process-wide patch state, created on first use. It lives in the kernel's process registry (on
 * `globalThis` under a `Symbol.for` key), so two copies of this package, and two copies of the kernel,
 * share one patch and one set of per-socket state, and never record the same request twice.
 */
export function patchRegistry(): PatchRegistry {
  return processState<PatchRegistry>('@wirescope/instrumentation-http:patch', () => ({
    consumers: new Set(),
    original: undefined,
    wrapper: undefined,
    sockets: new WeakMap(),
    agentRequests: new WeakMap(),
  }));
}

function agentPrototype(): AgentInternals {
  // https.Agent inherits addRequest from http.Agent, so one patch covers both (and the SDK's one-off
  // keepAlive:false agent for Expect: 100-continue uploads).
  return http.Agent.prototype as unknown as AgentInternals;
}

/** `http.Agent.prototype.addRequest`, the one slot this package patches for HTTP/1.1. */
const ADD_REQUEST: PatchSlot<AddRequest> = {
  get: () => agentPrototype().addRequest,
  set: (value) => {
    agentPrototype().addRequest = value;
  },
};

/** Adds a consumer and patches `addRequest` if nobody had yet. Idempotent per consumer. */
export function addConsumer(consumer: Consumer): void {
  const registry = patchRegistry();
  joinPatch(registry, consumer, ADD_REQUEST, (original) => makeWrapper(original, registry));
}

/** Removes a consumer; the last one out restores the original `addRequest`. */
export function removeConsumer(consumer: Consumer): void {
  leavePatch(patchRegistry(), consumer, ADD_REQUEST, () =>
    guard.log.debug('addRequest was wrapped after us; leaving a pass-through'),
  );
}

function makeWrapper(original: AddRequest, registry: PatchRegistry): AddRequest {
  return function addRequest(this: AgentInternals, req, options, ...legacy) {
    // Fast path first: no consumer, or no scope and no recording active span → one lookup, no allocation.
    const target = registry.consumers.size > 0 ? resolveTarget(registry.consumers, options) : undefined;
    if (!target) return original.call(this, req, options, ...legacy);
    const pending = beginRequest(registry, this, req, options, target);
    // The host's own errors pass through unchanged: the original runs outside our guards.
    const result = original.call(this, req, options, ...legacy);
    if (pending) settleAddRequest(pending);
    return result;
  };
}
