import { diag } from '@opentelemetry/api';

/**
 * Runs our own bookkeeping so that a failure in it never reaches the host: the error goes to `diag`
 * and `fallback` is returned. See otel-js `safeExecuteInTheMiddle` for the same idea.
 */
export function guard<T>(what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    diag.warn(`@wirescope/aws-sdk: ${what} failed; the SDK call goes on unobserved`, describe(error));
    return fallback;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
