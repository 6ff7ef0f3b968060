import { type Tracer, trace } from '@opentelemetry/api';
import type { WirescopeOptions } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** Options with every default applied, resolved once per plugin. */
export interface ResolvedWirescopeOptions {
  tracer: Tracer;
  callerRegion: string | undefined;
  s3KeyPrefixLength: number;
  nodeHttp: boolean;
  fetch: boolean;
}

/** Applies the defaults of {@link WirescopeOptions}. */
export function resolveOptions(options: WirescopeOptions = {}): ResolvedWirescopeOptions {
  const provider = options.tracerProvider ?? trace.getTracerProvider();
  const prefix = options.s3KeyPrefixLength ?? 0;
  return {
    tracer: provider.getTracer(PACKAGE_NAME, PACKAGE_VERSION),
    callerRegion: options.callerRegion,
    s3KeyPrefixLength: Number.isInteger(prefix) && prefix > 0 ? prefix : 0,
    nodeHttp: options.nodeHttp ?? true,
    fetch: options.fetch ?? true,
  };
}
