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

/**
 * Calls the next handler as an async middleware would: a synchronous throw becomes a rejection, so
 * the host sees its errors exactly as without the plugin. Our middlewares are plain functions (see
 * `observeSettled`), not async ones.
 */
export function callNext<A, T>(next: (args: A) => Promise<T>, args: A): Promise<T> {
  try {
    return next(args);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Calls `settle` when `run()` settles and hands its outcome on unchanged. `then` rather than
 * async/await: with a context manager's promise hooks on every promise costs, and an async function
 * with an await makes two where `then` makes one. `settle` must not throw (callers guard it).
 */
export function observeSettled<T>(
  run: () => Promise<T>,
  settle: (output: T | undefined, error: unknown) => void,
): Promise<T> {
  let result: Promise<T>;
  try {
    result = run();
  } catch (error) {
    settle(undefined, error);
    return Promise.reject(error);
  }
  return Promise.resolve(result).then(
    (output) => {
      settle(output, undefined);
      return output;
    },
    (error: unknown) => {
      settle(undefined, error);
      throw error;
    },
  );
}
