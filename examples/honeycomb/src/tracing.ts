// Load first (`node --import ./src/tracing.ts app.js`, or import it at the top of your entry point):
// registers a global tracer provider that sends spans to Honeycomb over OTLP/HTTP. The wirescope
// plugin (`s3.middlewareStack.use(wirescope())`) then finds it with no further set-up.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

const apiKey = process.env.HONEYCOMB_API_KEY;
if (!apiKey) {
  process.stderr.write('tracing: HONEYCOMB_API_KEY is not set; spans will not be sent\n');
}

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'wirescope-example',
  traceExporter: new OTLPTraceExporter({
    // US region; EU accounts use https://api.eu1.honeycomb.io/v1/traces.
    url: process.env.HONEYCOMB_TRACES_URL ?? 'https://api.honeycomb.io/v1/traces',
    headers: { 'x-honeycomb-team': apiKey ?? '' },
  }),
});
sdk.start();

// Flush the last batch when the process is asked to stop.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    sdk.shutdown().finally(() => process.exit(0));
  });
}
