import type { RequestOptions } from 'node:http';
import { type MeterProvider, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { checkOptions, describeError, type OptionRule, rules } from '@wirescope/instrumentation';
import type { Consumer } from './internal-types.js';
import { addConsumer, removeConsumer } from './patch-agent.js';
import type { HttpConnectionInstrumentationConfig } from './types.js';
import { guard, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';

/** The config with its defaults applied. */
interface ResolvedConfig extends HttpConnectionInstrumentationConfig {
  enabled: boolean;
  recordOnActiveSpan: boolean;
}

const CONFIG_RULES: Readonly<Record<keyof HttpConnectionInstrumentationConfig, OptionRule>> = {
  enabled: rules.boolean(true),
  recordOnActiveSpan: rules.boolean(true),
  ignoreRequestHook: rules.hook('returns true to record nothing for a request'),
  bodyGracePeriodMs: rules.milliseconds(0, 'before an unread body ends as unread; default 5000'),
};

/** Checks the config (a bad option throws `WirescopeConfigError`, issue 13) and applies defaults. */
function resolveConfig(given: HttpConnectionInstrumentationConfig | null | undefined): ResolvedConfig {
  const config = checkOptions<HttpConnectionInstrumentationConfig>(INSTRUMENTATION_NAME, given, CONFIG_RULES);
  return {
    ...config,
    enabled: config.enabled ?? true,
    recordOnActiveSpan: config.recordOnActiveSpan ?? true,
  };
}

/**
 * Connection facts for node:http / node:https agents, shaped as an OpenTelemetry `Instrumentation`
 * (without depending on @opentelemetry/instrumentation), so it goes into `registerInstrumentations`
 * or NodeSDK's `instrumentations`. Inside an SDK attempt scope it records on the attempt; elsewhere,
 * with `recordOnActiveSpan`, on the span active when the agent takes the request.
 */
export class HttpConnectionInstrumentation {
  /** Name of the instrumentation, also its tracer's name. */
  readonly instrumentationName = INSTRUMENTATION_NAME;
  /** Version of the instrumentation. */
  readonly instrumentationVersion = INSTRUMENTATION_VERSION;
  private config: ResolvedConfig;
  private tracer: Tracer | undefined;
  private readonly consumer: Consumer;
  private enabled = false;

  /**
   * Creates the instrumentation and, unless `enabled: false`, enables it. A bad option throws a
   * `WirescopeConfigError` (code `WIRESCOPE_BAD_OPTION`) naming it; `null` reads as no options.
   */
  constructor(config?: HttpConnectionInstrumentationConfig | null) {
    this.config = resolveConfig(config);
    const self = this;
    this.consumer = {
      get recordOnActiveSpan() {
        return self.config.recordOnActiveSpan;
      },
      tracer: () => self.tracer ?? trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION),
      ignores: (options: RequestOptions) => self.config.ignoreRequestHook?.(options) === true,
      get bodyGracePeriodMs() {
        return self.config.bodyGracePeriodMs;
      },
    };
    if (this.config.enabled) this.enable();
  }

  /** Starts recording (shares one `addRequest` patch with every other instance and the SDK plugin). */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    addConsumer(this.consumer);
  }

  /**
   * Stops recording; the last one out (instances and the plugin's switch) restores the original
   * `http.Agent.prototype.addRequest`. Idempotent, never throws.
   */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    try {
      removeConsumer(this.consumer);
    } catch (error) {
      guard.log.warn('disabling failed', describeError(error));
    }
  }

  /** Sets the provider of the tracer used for phase spans in active-span mode. */
  setTracerProvider(tracerProvider: TracerProvider): void {
    this.tracer = tracerProvider.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  }

  /** No metrics yet: accepted and ignored. */
  setMeterProvider(_meterProvider: MeterProvider): void {}

  /**
   * Replaces the config, checked as the constructor checks it (a bad option throws and leaves the old
   * config in place); `enabled` is read by `registerInstrumentations`, not acted on here.
   */
  setConfig(config?: HttpConnectionInstrumentationConfig | null): void {
    this.config = resolveConfig(config);
  }

  /** The config, with defaults applied. */
  getConfig(): HttpConnectionInstrumentationConfig {
    return { ...this.config };
  }
}
