#!/usr/bin/env node
// The `wirescope` command. A committed file rather than dist/bin.js, because npm links a bin only when
// its file exists at install time, and a fresh clone of the monorepo has no dist: without this,
// `wirescope` is "not found" in the examples' scripts. Installed from npm (no src/ in the tarball) it
// runs the built code; in a checkout it runs the TypeScript source through tsx, as `npm run wirescope`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** tsx's loader when this is a checkout with its dev dependencies, else undefined. */
function tsxLoader() {
  if (!existsSync(source)) return undefined;
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}

const loader = tsxLoader();
if (loader) {
  const args = ['--conditions=@wirescope/source', '--import', loader, source, ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (child.error) process.stderr.write(`wirescope: could not run ${source}: ${child.error.message}\n`);
  process.exitCode = child.error ? 2 : (child.status ?? 1);
} else {
  await import('../dist/bin.js');
}
