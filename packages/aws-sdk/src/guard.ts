import { createGuard } from '@wirescope/instrumentation';
import { PACKAGE_NAME } from './version.js';

const kernelGuard = createGuard(PACKAGE_NAME, 'the SDK call goes on unobserved');

/** The package's diag logger: every message prefixed with `@wirescope/aws-sdk`. */
export const log = kernelGuard.log;

/**
 * Runs our own bookkeeping so that a failure in it never reaches the host: the error goes to `diag`
 * and `fallback` is returned (the kernel's one guard).
 */
export function guard<T>(what: string, fn: () => T, fallback: T): T {
  return kernelGuard.value(what, fn, fallback);
}

/** Logs a failure our own code caught itself, as {@link guard} logs one (for hot paths with their own `try`). */
export function reportFailure(what: string, error: unknown): void {
  kernelGuard.report(what, error);
}
