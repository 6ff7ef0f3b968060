import { type DiagLogger, diag } from '@opentelemetry/api';

/**
 * The one guard of every producer: our bookkeeping runs inside it, and a failure goes to `diag`
 * through the component's logger, never to the host (see otel-js `safeExecuteInTheMiddle`).
 */
export interface Guard {
  /** The component's diag logger (messages prefixed with the package name). */
  readonly log: DiagLogger;
  /** Runs `fn`; a throw is logged as "`what` failed; `consequence`". */
  run(what: string, fn: () => void): void;
  /** Runs `fn` and returns its value, or `fallback` when it throws (logged as in {@link Guard.run}). */
  value<T>(what: string, fn: () => T, fallback: T): T;
  /**
   * Logs a failure the caller caught itself, as {@link Guard.run} logs one: for a hot path that wraps
   * its own `try` rather than make a closure on every pass.
   */
  report(what: string, error: unknown): void;
}

/**
 * A guard for one package. `consequence` says what the host loses when a guarded step fails ("the SDK
 * call goes on unobserved"), so every message reads the same way.
 */
export function createGuard(component: string, consequence: string): Guard {
  const log = diag.createComponentLogger({ namespace: component });
  const report = (what: string, error: unknown) => {
    // The logger itself must not throw into the host either.
    try {
      log.warn(`${what} failed; ${consequence}`, describeError(error));
    } catch {}
  };
  return {
    log,
    report,
    run(what, fn) {
      try {
        fn();
      } catch (error) {
        report(what, error);
      }
    },
    value(what, fn, fallback) {
      try {
        return fn();
      } catch (error) {
        report(what, error);
        return fallback;
      }
    },
  };
}

/** `Name: message` of an error, or its string form; never throws. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return 'an error that cannot be described';
  }
}
