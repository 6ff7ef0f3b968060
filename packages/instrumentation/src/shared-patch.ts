/**
 * One process-wide patch of a function property, shared by every consumer (each instance of an
 * instrumentation, each copy of its package, the SDK plugin's switch): the first consumer in installs
 * it, the last one out restores the original. Kept in the process registry by its owner, so copies
 * share it.
 */
export interface SharedPatch<F, C> {
  /** Everyone who asked for the patch; it stays while this is non-empty. */
  readonly consumers: Set<C>;
  /** The function we replaced. */
  original: F | undefined;
  /** Our replacement, to check before restoring. */
  wrapper: F | undefined;
}

/** Where the patched function lives: read and replace it (a prototype's method, a module's export). */
export interface PatchSlot<F> {
  get(): F;
  set(value: F): void;
}

/**
 * Adds a consumer and, if nobody had yet, replaces the slot's function with `wrap(original)`.
 * Idempotent per consumer. A patch someone else wrapped over stays in their chain: not installed again.
 */
export function joinPatch<F, C>(
  patch: SharedPatch<F, C>,
  consumer: C,
  slot: PatchSlot<F>,
  wrap: (original: F) => F,
): void {
  patch.consumers.add(consumer);
  if (patch.wrapper) return;
  const original = slot.get();
  const wrapper = wrap(original);
  patch.original = original;
  patch.wrapper = wrapper;
  slot.set(wrapper);
}

/**
 * Removes a consumer; the last one out restores the original. If someone wrapped over ours,
 * restoring would drop their wrapper: ours stays in their chain (with no consumer it passes every call
 * straight through) and `wrappedOver` is told.
 */
export function leavePatch<F, C>(
  patch: SharedPatch<F, C>,
  consumer: C,
  slot: PatchSlot<F>,
  wrappedOver: () => void,
): void {
  patch.consumers.delete(consumer);
  if (patch.consumers.size > 0 || !patch.wrapper) return;
  if (slot.get() === patch.wrapper && patch.original) {
    slot.set(patch.original);
    patch.original = undefined;
    patch.wrapper = undefined;
  } else {
    wrappedOver();
  }
}
