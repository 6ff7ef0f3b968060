import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the deliberately failing suite of examples/ci in a vitest subprocess: the matchers must make
// the run fail, with messages naming what was expected and what was found.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SUITE = join(ROOT, 'examples/ci/test/broken');

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The child is a vitest of its own, not a worker of this one.
    if (key.startsWith('VITEST') || key === 'TEST' || key === 'WIRESCOPE_TEST_RESULTS') continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' };
}

describe('a failing suite that uses the matchers', () => {
  it('fails, naming the expected and the found counts', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--root',
        SUITE,
        '--config',
        join(SUITE, 'vitest.config.ts'),
      ],
      { cwd: ROOT, encoding: 'utf8', env: childEnv(), timeout: 120_000 },
    );
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).toBe(1);
    expect(output).toContain("expected 1 span named 'tls.handshake', found 3");
    expect(output).toMatch(
      /Spans by name:\n {2}dns\.lookup {12}3\n {2}S3\.PutObject {10}3\n {2}S3\.PutObject attempt {2}3\n/,
    );
    expect(output).toContain(
      "expected 1 attempt in all for 'S3.PutObject', found 3 (1 operation: attempts 3)",
    );
    expect(output).toMatch(/Tests\s+2 failed \(2\)/);
  });
});
