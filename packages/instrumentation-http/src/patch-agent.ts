import http from 'node:http';
import { processState } from '@wirescope/instrumentation';
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

/** Adds a consumer and patches `addRequest` if nobody had yet. Idempotent per consumer. */
export function addConsumer(consumer: Consumer): void {
  const registry = patchRegistry();
  registry.consumers.add(consumer);
  if (registry.wrapper) return; // already patched (or wrapped over by someone else: still in the chain)
  const proto = agentPrototype();
  const original = proto.addRequest;
  const wrapper = makeWrapper(original, registry);
  registry.original = original;
  registry.wrapper = wrapper;
  proto.addRequest = wrapper;
}

/** Removes a consumer; the last one out restores the original `addRequest`. */
export function removeConsumer(consumer: Consumer): void {
  const registry = patchRegistry();
  registry.consumers.delete(consumer);
  if (registry.consumers.size > 0 || !registry.wrapper) return;
  const proto = agentPrototype();
  if (proto.addRequest === registry.wrapper && registry.original) {
    proto.addRequest = registry.original;
    registry.original = undefined;
    registry.wrapper = undefined;
  } else {
    // Someone wrapped over us: restoring would drop their wrapper. Ours stays in their chain and, with no
    // consumer left, passes every call straight through.
    guard.log.debug('addRequest was wrapped after us; leaving a pass-through');
  }
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
