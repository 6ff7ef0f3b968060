export { enableUndiciConnectionFacts } from './enable.js';
export { UndiciConnectionInstrumentation } from './instrumentation.js';
export type { UndiciConnectionInstrumentationConfig } from './types.js';
