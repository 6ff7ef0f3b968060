// A service with wirescope's metrics, scraped by Prometheus. It calls S3 once every `--every-ms`
// (a PutObject, then a GetObject of that object, and so on), each call counted in the metrics
// whether or not a trace records it.
//   npm start                           AWS: BUCKET (and AWS_REGION, credentials) from the environment
//   npm start -- --local                no AWS account: s3rver in this process, on loopback
//   npm start -- --local --calls 20 --print-metric-names
//                                       20 calls, then the metric names the exporter serves, then exit
// Options: --port (exporter, default 9464; 0 = any free port), --host (default 127.0.0.1; 0.0.0.0 for
// a Prometheus on another host), --calls N (default: until Ctrl-C), --every-ms (default 1000). The
// service name is OTEL_SERVICE_NAME (default orders-api); the caller's region AWS_REGION (us-east-1
// with --local).
import { parseArgs } from 'node:util';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import { startLocalS3 } from './local-s3.js';
import { startMetrics } from './metrics.js';

const { values } = parseArgs({
  options: {
    local: { type: 'boolean', default: false },
    port: { type: 'string', default: '9464' },
    host: { type: 'string', default: '127.0.0.1' },
    calls: { type: 'string' },
    'every-ms': { type: 'string', default: '1000' },
    'print-metric-names': { type: 'boolean', default: false },
  },
});

const serviceName = process.env['OTEL_SERVICE_NAME'] || 'orders-api';
const metrics = await startMetrics({ serviceName, port: Number(values.port), host: values.host });
const local = values.local ? await startLocalS3() : undefined;
const bucket = local?.bucket ?? process.env['BUCKET'];
if (!bucket) {
  process.stderr.write('set BUCKET (a bucket this process may write to), or run with --local\n');
  process.exit(2);
}

const config: S3ClientConfig = local?.clientConfig ?? {};
const s3 = new S3Client(config);
// The plugin records every call in this MeterProvider's metrics (without the option: the global one).
const callerRegion = process.env['AWS_REGION'] || (local ? 'us-east-1' : undefined);
s3.middlewareStack.use(wirescope({ meterProvider: metrics.meterProvider, callerRegion }));
process.stderr.write(`${serviceName}: metrics at ${metrics.url}, calling S3 bucket ${bucket}\n`);

async function oneCall(i: number): Promise<void> {
  const Key = 'wirescope-example/object';
  if (i % 2 === 0) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `payload ${i}` }));
  } else {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    await object.Body?.transformToString(); // read the body: an unread one holds its connection
  }
}

const calls = values.calls === undefined ? Number.POSITIVE_INFINITY : Number(values.calls);
let stopping = false;
process.once('SIGINT', () => {
  stopping = true;
});
for (let i = 0; i < calls && !stopping; i++) {
  await oneCall(i).catch((error: Error) =>
    process.stderr.write(`call ${i}: ${error.name}: ${error.message}\n`),
  );
  if (i + 1 < calls) await new Promise((wake) => setTimeout(wake, Number(values['every-ms'])));
}

if (values['print-metric-names']) {
  // What Prometheus will see: one `# TYPE <name> <type>` line per metric family.
  const text = await (await fetch(metrics.url)).text();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm))
    process.stdout.write(`${match[1]} ${match[2]}\n`);
}
s3.destroy();
await local?.close();
await metrics.shutdown();
