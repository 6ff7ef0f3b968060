/** Instrumentation scope name of the phase spans this package starts outside the plugin. */
export const PACKAGE_NAME = '@wirescope/instrumentation-undici';
/** Version reported as the instrumentation scope version. */
export const PACKAGE_VERSION = '0.1.0';
