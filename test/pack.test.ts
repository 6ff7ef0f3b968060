// What `npm publish` would ship, for every package: built code, LICENSE and README, no test code, and
// source maps that carry their sources. Builds through turbo (cached after the first run), then asks
// `npm pack --dry-run --json` for the file lists of all packages in one call.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { withBuildLock } from './support/build-lock.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = readdirSync(join(ROOT, 'packages')).sort();
const LICENSE = readFileSync(join(ROOT, 'LICENSE'), 'utf8');

interface PackResult {
  name: string;
  files: { path: string }[];
}

interface PackageJson {
  name: string;
  license?: string;
  scripts?: Record<string, string>;
  bin?: Record<string, string>;
  repository?: { url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
}

const TEST_CODE = [/\.test\./, /(^|\/)testing\//, /(^|\/)test-support\//, /(^|\/)test-spans\./];

let packs: Map<string, PackResult>;

beforeAll(async () => {
  // Built and listed under the build lock: test/two-copies.test.ts builds too (support/build-lock.ts).
  const out = await withBuildLock(() => {
    // The same build `prepack` runs; a fresh clone has no dist yet.
    execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: ROOT, stdio: 'pipe' });
    const args = ['pack', '--dry-run', '--json', '--ignore-scripts'];
    for (const dir of PACKAGES) args.push('--workspace', `packages/${dir}`);
    return execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  });
  packs = new Map((JSON.parse(out) as PackResult[]).map((p) => [p.name, p]));
}, 540_000);

describe.each(PACKAGES)('the npm tarball of packages/%s', (dir) => {
  const pkgDir = join(ROOT, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageJson;
  const files = () => packs.get(pkg.name)?.files.map((f) => f.path) ?? [];

  it('holds LICENSE (the root Apache-2.0 text) and a README', () => {
    expect(files()).toContain('LICENSE');
    expect(files()).toContain('README.md');
    expect(readFileSync(join(pkgDir, 'LICENSE'), 'utf8')).toBe(LICENSE);
    expect(pkg.license).toBe('Apache-2.0');
  });

  it('holds the built code and its type declarations', () => {
    expect(files()).toContain('dist/index.js');
    expect(files()).toContain('dist/index.d.ts');
  });

  it('holds every file its `bin` names', () => {
    for (const target of Object.values(pkg.bin ?? {})) expect(files()).toContain(posix.normalize(target));
  });

  it('holds no test code', () => {
    expect(files().filter((f) => TEST_CODE.some((re) => re.test(f)))).toEqual([]);
  });

  it('holds no source map pointing at a source it does not ship', () => {
    const shipped = new Set(files());
    const dangling: string[] = [];
    for (const map of files().filter((f) => f.endsWith('.map'))) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(pkgDir, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      sources.forEach((source, i) => {
        const inTarball = shipped.has(posix.normalize(posix.join(posix.dirname(map), source)));
        if (!inTarball && typeof sourcesContent?.[i] !== 'string') dangling.push(`${map} → ${source}`);
      });
    }
    expect(dangling).toEqual([]);
  });

  it('builds before packing and says where it comes from', () => {
    expect(pkg.scripts?.['prepack']).toMatch(/turbo run build/);
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.repository?.directory).toBe(`packages/${dir}`);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
  });
});
