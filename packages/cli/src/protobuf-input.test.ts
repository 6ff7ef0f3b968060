// Issue 12: OTLP protobuf through the CLI: read as its JSON form is, and bad bytes exit 2 with the file,
// the byte offset and what was wrong, without a stack.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeInput } from './test-spans.js';

const FORMATS = fileURLToPath(new URL('../../../test/fixtures/formats/', import.meta.url));
const OTLP_JSON = fileURLToPath(
  new URL('../../../test/fixtures/connection-churn.otlp.json', import.meta.url),
);

const run = runCli;

let dir: string;
let truncated: string;
let garbledFrame: string;
let second: number;

beforeAll(() => {
  dir = tempDir();
  const request = readFileSync(`${FORMATS}wirescope-connection-churn.otlp.pb`);
  truncated = writeInput(dir, 'truncated.pb', request.subarray(0, request.length - 10));
  const framed = Buffer.from(readFileSync(`${FORMATS}wirescope-connection-churn.file-exporter.pb`));
  second = 4 + framed.readUInt32BE(0);
  framed[second + 4] = 0x7f; // the second record's first tag: field 15 of wire type 7 (there is none)
  garbledFrame = writeInput(dir, 'garbled.pb', framed);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('analyze with OTLP protobuf', () => {
  it('reports what the OTLP JSON form reports, request and file-exporter framing, gzip too', async () => {
    const json = await run(['analyze', OTLP_JSON, '--format', 'json']);
    expect(json.code).toBe(0);
    const expected = JSON.parse(json.stdout);
    for (const form of ['otlp.pb', 'otlp.pb.gz', 'file-exporter.pb']) {
      const result = await run([
        'analyze',
        `${FORMATS}wirescope-connection-churn.${form}`,
        '--format',
        'json',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.findings).toEqual(expected.findings);
      expect(report.stats).toEqual(expected.stats);
      expect(report.coverage).toEqual(expected.coverage);
    }
  });

  it('a truncated request exits 2 with the file, the offset and the problem', async () => {
    const { code, stdout, stderr } = await run(['analyze', truncated]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(
        `${truncated}, offset 0: truncated: the input ends after \\d+ of the \\d+ bytes of resourceSpans\\[0\\]`,
      ),
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a garbled file-exporter record is skipped with a warning; --strict exits 2', async () => {
    const lenient = await run(['analyze', garbledFrame, '--format', 'json']);
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout).warnings[0]).toMatch(
      new RegExp(
        `^${garbledFrame}, offset ${second + 4}: record 2 \\(TracesData\\) is not valid OTLP protobuf: invalid wire type 7`,
      ),
    );
    const strict = await run(['analyze', garbledFrame, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(
      new RegExp(`${garbledFrame}, offset ${second + 4}: record 2 \\(TracesData\\)`),
    );
  });
});
