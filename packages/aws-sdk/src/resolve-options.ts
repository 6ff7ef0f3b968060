import { type Tracer, trace } from '@opentelemetry/api';
import type { WirescopeOptions } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** Options with every default applied, resolved once per plugin. */
export interface ResolvedWirescopeOptions {
  /** The plugin's tracer, fetched on first use (a provider that throws then costs nothing at set-up). */
  tracer(): Tracer;
  callerRegion: string | undefined;
  s3KeyPrefixLength: number;
  nodeHttp: boolean;
  fetch: boolean;
}

/** Applies the defaults of {@link WirescopeOptions}. */
export function resolveOptions(options: WirescopeOptions = {}): ResolvedWirescopeOptions {
  let tracer: Tracer | undefined;
  const prefix = options.s3KeyPrefixLength ?? 0;
  return {
    tracer() {
      // The global provider is a proxy: a tracer from it follows a provider registered later.
      tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
        PACKAGE_NAME,
        PACKAGE_VERSION,
      );
      return tracer;
    },
    callerRegion: options.callerRegion,
    s3KeyPrefixLength: Number.isInteger(prefix) && prefix > 0 ? prefix : 0,
    nodeHttp: options.nodeHttp ?? true,
    fetch: options.fetch ?? true,
  };
}
