import { type Context, context as otelContext } from '@opentelemetry/api';

/**
 * Runs `fn` (the rest of the SDK's handler chain) inside `ctx`. If entering the context fails before
 * `fn` ran (a broken context manager), `fn` still runs, exactly once, outside it: our failure must
 * never cost the host its call.
 */
export function runGuarded<T>(ctx: Context, fn: () => T): T {
  let called = false;
  try {
    return otelContext.with(ctx, () => {
      called = true;
      return fn();
    });
  } catch (error) {
    if (called) throw error;
    return fn();
  }
}
