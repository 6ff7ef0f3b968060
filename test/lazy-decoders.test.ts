import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/**
 * Which CommonJS packages a process loaded after analyzing `file` with the library (as the CLI does):
 * a fresh node, so nothing an earlier test imported counts.
 */
function loadedAfterAnalyzing(file: string): { protobufjs: boolean; otelApi: boolean; spans: number } {
  const script = `
    import { createRequire } from 'node:module';
    const { analyze, readSpans } = await import('@wirescope/analyzer');
    const result = await analyze(readSpans({ path: ${JSON.stringify(file)} }));
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({
      protobufjs: loaded.some((path) => path.includes('/protobufjs/')),
      otelApi: loaded.some((path) => path.includes('/@opentelemetry/api/')),
      spans: result.stats.spans,
    }));`;
  const out = execFileSync(
    process.execPath,
    ['--conditions=@wirescope/source', '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('the analyzer loads a decoder only for input that needs it', () => {
  it('an OTLP JSON file: neither protobufjs nor the OpenTelemetry API (start-up time and memory of every CLI run)', () => {
    const seen = loadedAfterAnalyzing(fixture('unretried-socket-error.otlp.json'));
    expect(seen.spans).toBeGreaterThan(0);
    expect(seen).toMatchObject({ protobufjs: false, otelApi: false });
  });

  it('an OTLP protobuf file: protobufjs, loaded when the input is read', () => {
    const seen = loadedAfterAnalyzing(fixture('formats/wirescope-connection-churn.otlp.pb'));
    expect(seen.spans).toBeGreaterThan(0);
    expect(seen).toMatchObject({ protobufjs: true, otelApi: false });
  });
});
