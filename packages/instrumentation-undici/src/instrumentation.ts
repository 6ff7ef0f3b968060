import { type MeterProvider, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { checkOptions, type OptionRule, rules } from '@wirescope/instrumentation';
import { addConsumer, removeConsumer } from './channels.js';
import type { HubConsumer } from './internal-types.js';
import type { UndiciConnectionInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

interface ResolvedConfig {
  enabled: boolean;
  recordOnActiveSpan: boolean;
  bodyGracePeriodMs: number | undefined;
}

const CONFIG_RULES: Readonly<Record<keyof UndiciConnectionInstrumentationConfig, OptionRule>> = {
  enabled: rules.boolean(true),
  recordOnActiveSpan: rules.boolean(true),
  bodyGracePeriodMs: rules.milliseconds(0, 'before an unread body ends as unread; default 5000'),
};

/** Checks the config (a bad option throws `WirescopeConfigError`, issue 13) and applies defaults. */
function resolveConfig(given: UndiciConnectionInstrumentationConfig | null | undefined): ResolvedConfig {
  const config = checkOptions<UndiciConnectionInstrumentationConfig>(PACKAGE_NAME, given, CONFIG_RULES);
  return {
    enabled: config.enabled ?? true,
    recordOnActiveSpan: config.recordOnActiveSpan ?? true,
    bodyGracePeriodMs: config.bodyGracePeriodMs,
  };
}

/**
 * Connection facts for undici and Node's fetch: new or reused connection, DNS/TCP/TLS phase spans,
 * TLS version and resumption, TTFB, socket errors by their real code. Structurally an OpenTelemetry
 * `Instrumentation`, so `registerInstrumentations` and `NodeSDK` accept it. Inside the wirescope SDK
 * plugin facts go on the attempt span; elsewhere (with `recordOnActiveSpan`) on the active span.
 */
export class UndiciConnectionInstrumentation {
  /** Instrumentation scope name. */
  readonly instrumentationName = PACKAGE_NAME;
  /** Instrumentation scope version. */
  readonly instrumentationVersion = PACKAGE_VERSION;
  private config: ResolvedConfig;
  private tracerProvider: TracerProvider | undefined;
  private cachedTracer: Tracer | undefined;
  private enabled = false;
  private readonly consumer: HubConsumer;

  /**
   * Creates the instrumentation and, unless `enabled: false`, enables it. A bad option throws a
   * `WirescopeConfigError` (code `WIRESCOPE_BAD_OPTION`) naming it; `null` reads as no options.
   */
  constructor(config?: UndiciConnectionInstrumentationConfig | null) {
    this.config = resolveConfig(config);
    const self = this;
    this.consumer = {
      get recordOnActiveSpan() {
        return self.config.recordOnActiveSpan;
      },
      tracer: () => this.tracer(),
      get bodyGracePeriodMs() {
        return self.config.bodyGracePeriodMs;
      },
    };
    if (this.config.enabled) this.enable();
  }

  /** Subscribes to undici's diagnostics channels. Idempotent. */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    addConsumer(this.consumer);
  }

  /**
   * Unsubscribes: the last one out (instances and the plugin's switch) unsubscribes every undici
   * channel and stops the perf_hooks observer. Idempotent, never throws.
   */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    removeConsumer(this.consumer);
  }

  /** Tracer provider for phase spans outside the plugin (inside it, the plugin's tracer is used). */
  setTracerProvider(tracerProvider: TracerProvider): void {
    this.tracerProvider = tracerProvider;
    this.cachedTracer = undefined;
  }

  /** No metrics yet; accepted for the `Instrumentation` interface. */
  setMeterProvider(_meterProvider: MeterProvider): void {}

  /**
   * Replaces the configuration, checked as the constructor checks it (a bad option throws and leaves
   * the old one in place); `enabled` is applied by `enable()`/`disable()`, as in OTel.
   */
  setConfig(config?: UndiciConnectionInstrumentationConfig | null): void {
    this.config = resolveConfig(config);
  }

  /** The current configuration. */
  getConfig(): UndiciConnectionInstrumentationConfig {
    return { ...this.config };
  }

  private tracer(): Tracer {
    this.cachedTracer ??= (this.tracerProvider ?? trace.getTracerProvider()).getTracer(
      PACKAGE_NAME,
      PACKAGE_VERSION,
    );
    return this.cachedTracer;
  }
}
