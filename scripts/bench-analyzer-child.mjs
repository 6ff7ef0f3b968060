/**
 * One step of scripts/bench-analyzer.ts, in a process of its own so peak RSS is the step's own:
 *   node scripts/bench-analyzer-child.mjs raw|floor|read|analyze <file> [jsonl|json|proto]
 * Plain JavaScript: on plain node it measures the built analyzer (packages/analyzer/dist), as the CLI
 * runs it; under `--import tsx --conditions=@wirescope/source` the TypeScript source.
 * Prints one JSON line: seconds, cpuSeconds (user + system), spans, maxRssMb, as seen from inside after
 * start-up (for reading by hand; bench-analyzer.ts measures the whole process from outside).
 */
import { open, readFile } from 'node:fs/promises';

/** JSON Lines as the baseline reads them: node:readline over a file stream, JSON.parse per line. */
async function readlineRaw(file) {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  let spans = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line === '') continue;
    const request = JSON.parse(line);
    for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
  }
  return spans;
}

/**
 * The stricter floor for JSON Lines (`floor`): lines split from 1 MiB chunks read the way the analyzer reads files (one buffer used again for each
 * chunk), each given to JSON.parse: the floor any JSON reader pays.
 */
async function raw(file) {
  let spans = 0;
  let carry;
  const parse = (text) => {
    const request = JSON.parse(text);
    for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
  };
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafeSlow(1 << 20);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        parse(
          carry
            ? Buffer.concat([carry, chunk.subarray(0, nl)]).toString()
            : chunk.toString('utf8', start, nl),
        );
        carry = undefined;
        start = nl + 1;
      }
      if (start < chunk.length)
        carry = Buffer.concat(carry ? [carry, chunk.subarray(start)] : [chunk.subarray(start)]);
    }
  } finally {
    await handle.close();
  }
  if (carry) parse(carry.toString());
  return spans;
}

/** One OTLP JSON document: the file read and JSON.parse'd whole. */
async function rawJson(file) {
  let spans = 0;
  const request = JSON.parse(await readFile(file, 'utf8'));
  for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
  return spans;
}

/** One ExportTraceServiceRequest: the file read and decoded whole by protobufjs, as the analyzer decodes. */
async function rawProto(file) {
  const { default: protobuf } = await import('protobufjs/light.js');
  const { OTLP_TRACE_DESCRIPTOR } = await import(
    new URL('../packages/analyzer/dist/readers/otlp-proto-schema.js', import.meta.url).href
  );
  const type = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR).lookupType('TracesData');
  const request = type.decode(await readFile(file));
  let spans = 0;
  for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
  return spans;
}

const [mode, file, form = 'jsonl'] = process.argv.slice(2);
const started = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
let spans = 0;
if (mode === 'raw')
  spans = await (form === 'json' ? rawJson : form === 'proto' ? rawProto : readlineRaw)(file);
else if (mode === 'floor') spans = await raw(file);
else if (mode === 'read' || mode === 'analyze') {
  // Imported here, not at the top: the raw steps' processes load only what they parse with.
  const { analyze, readSpans } = await import('@wirescope/analyzer');
  if (mode === 'read') for await (const _span of readSpans({ path: file })) spans++;
  else spans = (await analyze(readSpans({ path: file }))).stats.spans;
} else throw new Error(`unknown step ${mode}: raw, floor, read or analyze`);
const cpu = process.cpuUsage(cpuStart);
process.stdout.write(
  `${JSON.stringify({
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    spans,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
