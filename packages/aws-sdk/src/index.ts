/** Thrown by `wirescope()` on a bad option, with `code` `'WIRESCOPE_BAD_OPTION'` and the fix. */
export { WirescopeConfigError } from '@wirescope/instrumentation';
/** Switches every wirescope hook off / on again, process-wide (see the README, "Turning it off"). */
export { disableWirescope, enableWirescope } from './connection-facts.js';
export { ATTEMPT_MIDDLEWARE_NAME, OPERATION_MIDDLEWARE_NAME, wirescope } from './plugin.js';
export type { WirescopeOptions } from './types.js';
