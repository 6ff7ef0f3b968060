export { ATTEMPT_MIDDLEWARE_NAME, OPERATION_MIDDLEWARE_NAME, wirescope } from './plugin.js';
export type { WirescopeOptions } from './types.js';
