/** Name under which the instrumentation's tracer and diagnostics appear. */
export const INSTRUMENTATION_NAME = '@wirescope/instrumentation-http';
/** Version of this package, kept in step with package.json. */
export const INSTRUMENTATION_VERSION = '0.1.0';
