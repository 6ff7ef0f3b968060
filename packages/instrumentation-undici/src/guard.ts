import { diag } from '@opentelemetry/api';

/**
 * Runs our bookkeeping so that a failure never reaches the host: a throwing diagnostics-channel
 * subscriber would surface in the application as an uncaughtException. Errors go to `diag`.
 */
export function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    diag.warn(
      `@wirescope/instrumentation-undici: ${what} failed; this request goes on unobserved`,
      describe(error),
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
