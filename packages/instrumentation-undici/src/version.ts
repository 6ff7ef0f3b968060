import { createGuard } from '@wirescope/instrumentation';

/** Instrumentation scope name of the phase spans this package starts outside the plugin. */
export const PACKAGE_NAME = '@wirescope/instrumentation-undici';
/** Version reported as the instrumentation scope version. */
export const PACKAGE_VERSION = '0.1.0';

/**
 * The kernel's one guard for this package: every subscriber and every step of our bookkeeping runs
 * inside it (a throwing diagnostics-channel subscriber would surface in the host as an
 * uncaughtException); a failure goes to `diag` through the component logger (messages prefixed with
 * {@link PACKAGE_NAME}), never to the request.
 */
export const guard = createGuard(PACKAGE_NAME, 'the request goes on, without some of its connection facts');
