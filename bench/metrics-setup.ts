// The metrics side of the `wirescope-metrics` configurations (issue 14): a real @opentelemetry/sdk-metrics
// MeterProvider whose reader never exports during the run, so what is measured is the recording the
// plugin and the socket layers do on every call, not an exporter's work.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

class IdleReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** A MeterProvider with one reader that only collects when asked (never, during a bench run). */
export function benchMeterProvider(): { provider: MeterProvider; reader: MetricReader } {
  const reader = new IdleReader();
  return { provider: new MeterProvider({ readers: [reader] }), reader };
}
