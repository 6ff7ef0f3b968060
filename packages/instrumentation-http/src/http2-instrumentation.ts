import {
  ConnectionInstrumentation,
  METER_PROVIDER_RULE,
  type OptionRule,
  rules,
} from '@wirescope/instrumentation';
import { consumerOf } from './consumer.js';
import { addHttp2Consumer, removeHttp2Consumer } from './http2-patch-connect.js';
import type { Consumer } from './internal-types.js';
import type { Http2ConnectionInstrumentationConfig } from './types.js';
import { guard, INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';

const CONFIG_RULES: Readonly<Record<keyof Http2ConnectionInstrumentationConfig, OptionRule>> = {
  enabled: rules.boolean(true),
  recordOnActiveSpan: rules.boolean(true),
  ignoreRequestHook: rules.hook('returns true to record nothing for a session or stream'),
  bodyGracePeriodMs: rules.milliseconds(0, 'before an unread body ends as unread; default 5000'),
  meterProvider: METER_PROVIDER_RULE,
};

/**
 * Connection facts for node:http2 client sessions (the SDK's `NodeHttp2Handler`): the session is the
 * connection. Built on the kernel's `ConnectionInstrumentation`, like `HttpConnectionInstrumentation`,
 * so it goes into `registerInstrumentations` or NodeSDK's `instrumentations`. Inside an SDK attempt
 * scope it records on the attempt; elsewhere, with `recordOnActiveSpan`, on the active span, and with a
 * MeterProvider (the `meterProvider` option, `setMeterProvider` or the global one) the sessions'
 * connection metrics, sampled or not.
 */
export class Http2ConnectionInstrumentation extends ConnectionInstrumentation<
  Http2ConnectionInstrumentationConfig,
  Consumer
> {
  /**
   * Creates the instrumentation and, unless `enabled: false`, enables it. A bad option throws a
   * `WirescopeConfigError` (code `WIRESCOPE_BAD_OPTION`) naming it; `null` reads as no options.
   */
  constructor(config?: Http2ConnectionInstrumentationConfig | null) {
    super(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, guard, CONFIG_RULES, config);
  }

  protected createConsumer(): Consumer {
    return consumerOf(
      () => this.config,
      () => this.tracer(),
      () => this.metricScope(),
    );
  }

  /** Shares one `http2.connect` patch with every other instance, copy and the SDK plugin. */
  protected join(consumer: Consumer): void {
    addHttp2Consumer(consumer);
  }

  /** The last one out restores the original `http2.connect`. */
  protected leave(consumer: Consumer): void {
    removeHttp2Consumer(consumer);
  }
}
