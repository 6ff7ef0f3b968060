import { describe, expect, it, vi } from 'vitest';
import { joinPatch, leavePatch, type PatchSlot, type SharedPatch } from './shared-patch.js';

type Fn = (x: number) => number;

function setup() {
  const target = { fn: ((x: number) => x + 1) as Fn };
  const original = target.fn;
  const slot: PatchSlot<Fn> = {
    get: () => target.fn,
    set: (value) => {
      target.fn = value;
    },
  };
  const patch: SharedPatch<Fn, string> = { consumers: new Set(), original: undefined, wrapper: undefined };
  const wrap = vi.fn(
    (inner: Fn): Fn =>
      (x) =>
        inner(x) * 10,
  );
  return { target, original, slot, patch, wrap };
}

describe('a shared patch', () => {
  it('the first consumer installs it, later ones join it, the last one out restores the original', () => {
    const { target, original, slot, patch, wrap } = setup();
    joinPatch(patch, 'a', slot, wrap);
    joinPatch(patch, 'b', slot, wrap);
    joinPatch(patch, 'a', slot, wrap); // idempotent per consumer
    expect(wrap).toHaveBeenCalledTimes(1);
    expect(target.fn(1)).toBe(20);
    const wrappedOver = vi.fn();
    leavePatch(patch, 'a', slot, wrappedOver);
    expect(target.fn(1)).toBe(20); // b is still in
    leavePatch(patch, 'b', slot, wrappedOver);
    expect(target.fn).toBe(original);
    expect(patch).toMatchObject({ original: undefined, wrapper: undefined });
    expect(wrappedOver).not.toHaveBeenCalled();
    joinPatch(patch, 'c', slot, wrap); // installs again
    expect(wrap).toHaveBeenCalledTimes(2);
    expect(target.fn(2)).toBe(30);
  });

  it('wrapped over by someone else: the last one out leaves ours in their chain and says so', () => {
    const { target, slot, patch, wrap } = setup();
    joinPatch(patch, 'a', slot, wrap);
    const ours = target.fn;
    target.fn = (x) => ours(x) + 5; // another library wraps after us
    const theirs = target.fn;
    const wrappedOver = vi.fn();
    leavePatch(patch, 'a', slot, wrappedOver);
    expect(wrappedOver).toHaveBeenCalledTimes(1);
    expect(target.fn).toBe(theirs);
    expect(patch.wrapper).toBe(ours); // still ours in the chain: a later join does not wrap twice
    joinPatch(patch, 'b', slot, wrap);
    expect(wrap).toHaveBeenCalledTimes(1);
  });
});
