import {
  ConnectionInstrumentation,
  METER_PROVIDER_RULE,
  type OptionRule,
  rules,
} from '@wirescope/instrumentation';
import { addConsumer, removeConsumer } from './channels.js';
import type { HubConsumer } from './internal-types.js';
import type { UndiciConnectionInstrumentationConfig } from './types.js';
import { guard, PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const CONFIG_RULES: Readonly<Record<keyof UndiciConnectionInstrumentationConfig, OptionRule>> = {
  enabled: rules.boolean(true),
  recordOnActiveSpan: rules.boolean(true),
  bodyGracePeriodMs: rules.milliseconds(0, 'before an unread body ends as unread; default 5000'),
  meterProvider: METER_PROVIDER_RULE,
};

/**
 * Connection facts for undici and Node's fetch: new or reused connection, DNS/TCP/TLS phase spans,
 * TLS version and resumption, TTFB, socket errors by their real code. Built on the kernel's
 * `ConnectionInstrumentation`, so structurally an OpenTelemetry `Instrumentation`
 * (`registerInstrumentations` and `NodeSDK` accept it). Inside the wirescope SDK plugin facts go on the
 * attempt span; elsewhere (with `recordOnActiveSpan`) on the active span.
 */
export class UndiciConnectionInstrumentation extends ConnectionInstrumentation<
  UndiciConnectionInstrumentationConfig,
  HubConsumer
> {
  /**
   * Creates the instrumentation and, unless `enabled: false`, subscribes to undici's diagnostics
   * channels. A bad option throws a `WirescopeConfigError` (code `WIRESCOPE_BAD_OPTION`) naming it;
   * `null` reads as no options.
   */
  constructor(config?: UndiciConnectionInstrumentationConfig | null) {
    super(PACKAGE_NAME, PACKAGE_VERSION, guard, CONFIG_RULES, config);
  }

  protected createConsumer(): HubConsumer {
    const self = this;
    return {
      get recordOnActiveSpan() {
        return self.config.recordOnActiveSpan;
      },
      tracer: () => self.tracer(),
      metrics: () => self.metricScope(),
      get bodyGracePeriodMs() {
        return self.config.bodyGracePeriodMs;
      },
    };
  }

  /** The first consumer of any copy subscribes to undici's channels. */
  protected join(consumer: HubConsumer): void {
    addConsumer(consumer);
  }

  /** The last one out (instances and the plugin's switch) unsubscribes and stops the perf_hooks observer. */
  protected leave(consumer: HubConsumer): void {
    removeConsumer(consumer);
  }
}
