import { createGuard } from '@wirescope/instrumentation';

/** Name under which the instrumentation's tracer and diagnostics appear. */
export const INSTRUMENTATION_NAME = '@wirescope/instrumentation-http';
/** Version of this package, kept in step with package.json. */
export const INSTRUMENTATION_VERSION = '0.1.0';

/**
 * The kernel's one guard for this package: our bookkeeping runs inside it, a failure goes to `diag`
 * through the component logger (every message prefixed with {@link INSTRUMENTATION_NAME}), never to
 * the request.
 */
export const guard = createGuard(
  INSTRUMENTATION_NAME,
  'the request goes on, without some of its connection facts',
);
