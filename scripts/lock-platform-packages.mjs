// Keeps package-lock.json installable with `npm ci` when the registry this project installs from does
// not carry every platform build of a native tool (Biome's and turbo's darwin/win32/musl binaries are
// absent here, so `npm install` leaves them out of the lock, and `npm ci` then refuses the lock as out
// of sync). It records each missing optional platform package with its os/cpu, which is all `npm ci`
// needs to skip it on this platform. Run after any `npm install` that rewrites the lock:
//   node scripts/lock-platform-packages.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

// Platform hints from the package names these tools use.
const osOf = (name) =>
  ['android', 'darwin', 'linux', 'win32', 'freebsd'].find((os) => name.includes(os)) ??
  (name.includes('windows') ? 'win32' : undefined);
const cpuOf = (name) => (name.includes('arm64') ? 'arm64' : name.includes('64') ? 'x64' : undefined);

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || packages[`${path}/${key}`]) continue;
    const os = osOf(name);
    const cpu = cpuOf(name);
    if (!os || !cpu) continue;
    const libc = name.includes('musl') ? ['musl'] : undefined;
    packages[key] = { version, cpu: [cpu], dev: entry.dev ?? undefined, libc, optional: true, os: [os] };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platform-packages: recorded ${added} platform package(s) missing from the lock`);
