import type { MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import { checkOptions, type OptionRule } from './config-error.js';
import type { MetricScope } from './connection-metrics.js';
import type { Guard } from './guard.js';
import { instrumentsFor, type WirescopeInstruments } from './metrics.js';

/** What every connection instrumentation's config has (each adds its own fields). */
export interface ConnectionInstrumentationConfig {
  /** Whether the instrumentation starts recording when constructed (default `true`), as OTel's do. */
  enabled?: boolean;
  /** Outside an SDK attempt scope, record on the active span (default `true`). */
  recordOnActiveSpan?: boolean;
  /** Milliseconds before an unread response body ends as `unread` (default 5000). */
  bodyGracePeriodMs?: number;
  /**
   * Meter provider for connection metrics outside the SDK plugin (inside it, the plugin's is used).
   * Default: the one given to `setMeterProvider`, else the global one, looked up per request; with
   * none registered, no metric work.
   */
  meterProvider?: MeterProvider;
}

/** The rule of the `meterProvider` option, shared by the plugin's and the instrumentations' checks. */
export const METER_PROVIDER_RULE: OptionRule = {
  accepts: 'an OpenTelemetry MeterProvider, an object with a getMeter function (default: the global one)',
  test: (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { getMeter?: unknown }).getMeter === 'function',
  // A provider may hold credentials (an exporter's headers): described by its type only.
  secret: true,
};

/** A config with `enabled` and `recordOnActiveSpan` resolved. */
export type Resolved<C extends ConnectionInstrumentationConfig> = C & {
  enabled: boolean;
  recordOnActiveSpan: boolean;
};

/**
 * The base of the connection instrumentations (node:http, undici), modelled on
 * `@opentelemetry/instrumentation`'s `InstrumentationBase` and structurally an OpenTelemetry
 * `Instrumentation`, so `registerInstrumentations` and `NodeSDK` accept every one: the name and
 * version, the config (checked when given: a bad option throws at construction or in `setConfig`,
 * never later), the tracer (from `setTracerProvider`, else the global provider), enable and disable.
 * A subclass gives the rules of its config, and says what its consumer is and how the consumer joins
 * and leaves the process-wide registry of its package.
 */
export abstract class ConnectionInstrumentation<C extends ConnectionInstrumentationConfig, Consumer> {
  /** Instrumentation scope name (the package). */
  readonly instrumentationName: string;
  /** Instrumentation scope version. */
  readonly instrumentationVersion: string;
  /** The config, checked, defaults applied. */
  protected config: Resolved<C>;
  private readonly guard: Guard;
  private readonly rules: Readonly<Record<keyof C, OptionRule>>;
  private tracerProvider: TracerProvider | undefined;
  private meterProvider: MeterProvider | undefined;
  private scopeOf: { instruments: WirescopeInstruments; scope: MetricScope } | undefined;
  private cachedTracer: Tracer | undefined;
  private consumerObject: Consumer | undefined;
  private enabled = false;

  /**
   * Checks `config` (a bad option throws `WirescopeConfigError`, `null` reads as none) and, unless
   * `enabled: false`, enables.
   */
  protected constructor(
    name: string,
    version: string,
    guard: Guard,
    rules: Readonly<Record<keyof C, OptionRule>>,
    config: C | null | undefined,
  ) {
    this.instrumentationName = name;
    this.instrumentationVersion = version;
    this.guard = guard;
    this.rules = rules;
    this.config = this.resolveConfig(config);
    if (this.config.enabled) this.enable();
  }

  /** The object the package's registry holds for this instance (made once, on first need). */
  protected abstract createConsumer(): Consumer;
  /** Adds the consumer to the package's process-wide registry (the first one in patches or subscribes). */
  protected abstract join(consumer: Consumer): void;
  /** Removes it (the last one out restores or unsubscribes). */
  protected abstract leave(consumer: Consumer): void;

  /** Starts recording. Idempotent. */
  enable(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.join(this.consumer());
  }

  /** Stops recording. Idempotent, never throws (a failure is logged). */
  disable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.guard.run('disabling', () => this.leave(this.consumer()));
  }

  /** The provider of the tracer for spans outside the plugin (inside it, the plugin's tracer is used). */
  setTracerProvider(tracerProvider: TracerProvider): void {
    this.tracerProvider = tracerProvider;
    this.cachedTracer = undefined;
  }

  /** The provider of connection metrics outside the plugin, unless the config names one. */
  setMeterProvider(meterProvider: MeterProvider): void {
    this.meterProvider = meterProvider;
  }

  /**
   * Replaces the config, checked as the constructor checks it (a bad option throws and leaves the old
   * one in place); `enabled` is applied by `enable()`/`disable()`, as in OpenTelemetry.
   */
  setConfig(config?: C | null): void {
    this.config = this.resolveConfig(config);
  }

  /** The config, with its defaults applied. */
  getConfig(): C {
    return { ...this.config };
  }

  /** Checks a config against the rules and applies the defaults; throws `WirescopeConfigError`. */
  private resolveConfig(given: C | null | undefined): Resolved<C> {
    const config = checkOptions<C>(this.instrumentationName, given, this.rules);
    return {
      ...config,
      enabled: config.enabled ?? true,
      recordOnActiveSpan: config.recordOnActiveSpan ?? true,
    };
  }

  /** The tracer for spans outside the plugin. */
  protected tracer(): Tracer {
    this.cachedTracer ??= (this.tracerProvider ?? trace.getTracerProvider()).getTracer(
      this.instrumentationName,
      this.instrumentationVersion,
    );
    return this.cachedTracer;
  }

  /**
   * Where this instance's connection metrics go outside the plugin, or undefined when no MeterProvider
   * is registered (then no metric work). Read per request, so a provider registered later counts.
   */
  protected metricScope(): MetricScope | undefined {
    const instruments = instrumentsFor(this.config.meterProvider ?? this.meterProvider);
    if (!instruments) return undefined;
    if (this.scopeOf?.instruments !== instruments) this.scopeOf = { instruments, scope: { instruments } };
    return this.scopeOf.scope;
  }

  private consumer(): Consumer {
    this.consumerObject ??= this.createConsumer();
    return this.consumerObject;
  }
}
