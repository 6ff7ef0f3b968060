/** Instrumentation scope name of the plugin's spans. */
export const PACKAGE_NAME = '@wirescope/aws-sdk';
/** Version reported as the instrumentation scope version. */
export const PACKAGE_VERSION = '0.1.0';
