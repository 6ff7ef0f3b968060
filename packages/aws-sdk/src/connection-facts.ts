import { enableNodeHttpConnectionFacts } from '@wirescope/instrumentation-http';
import { enableUndiciConnectionFacts } from '@wirescope/instrumentation-undici';
import type { ResolvedWirescopeOptions } from './resolve-options.js';

/** Switches on the socket-level producers the plugin needs (each is idempotent and process-wide). */
export function enableConnectionFacts(options: ResolvedWirescopeOptions): void {
  if (options.nodeHttp) enableNodeHttpConnectionFacts();
  if (options.fetch) enableUndiciConnectionFacts();
}
