import {
  ConnectionInstrumentation,
  METER_PROVIDER_RULE,
  type OptionRule,
  rules,
} from '@wirescope/instrumentation';
import { consumerOf } from './consumer.js';
import type { Consumer } from './internal-types.js';
import { addConsumer, removeConsumer } from './patch-agent.js';
import type { HttpConnectionInstrumentationConfig } from './types.js';
import { guard, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';

const CONFIG_RULES: Readonly<Record<keyof HttpConnectionInstrumentationConfig, OptionRule>> = {
  enabled: rules.boolean(true),
  recordOnActiveSpan: rules.boolean(true),
  ignoreRequestHook: rules.hook('returns true to record nothing for a request'),
  bodyGracePeriodMs: rules.milliseconds(0, 'before an unread body ends as unread; default 5000'),
  meterProvider: METER_PROVIDER_RULE,
};

/**
 * Connection facts for node:http / node:https agents. Built on the kernel's `ConnectionInstrumentation`,
 * so structurally an OpenTelemetry `Instrumentation` (without depending on
 * @opentelemetry/instrumentation): it goes into `registerInstrumentations` or NodeSDK's
 * `instrumentations`. Inside an SDK attempt scope it records on the attempt; elsewhere, with
 * `recordOnActiveSpan`, on the span active when the agent takes the request.
 */
export class HttpConnectionInstrumentation extends ConnectionInstrumentation<
  HttpConnectionInstrumentationConfig,
  Consumer
> {
  /**
   * Creates the instrumentation and, unless `enabled: false`, enables it. A bad option throws a
   * `WirescopeConfigError` (code `WIRESCOPE_BAD_OPTION`) naming it; `null` reads as no options.
   */
  constructor(config?: HttpConnectionInstrumentationConfig | null) {
    super(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, guard, CONFIG_RULES, config);
  }

  protected createConsumer(): Consumer {
    return consumerOf(
      () => this.config,
      () => this.tracer(),
      () => this.metricScope(),
    );
  }

  /** Shares one `addRequest` patch with every other instance, copy and the SDK plugin. */
  protected join(consumer: Consumer): void {
    addConsumer(consumer);
  }

  /** The last one out restores the original `http.Agent.prototype.addRequest`. */
  protected leave(consumer: Consumer): void {
    removeConsumer(consumer);
  }
}
