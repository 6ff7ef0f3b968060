import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// test/pack.test.ts and test/two-copies.test.ts both run `turbo run build` in a fresh clone, and each
// package's `prebuild` empties its dist first: run side by side (vitest runs files in parallel), one
// test could read a dist the other is rebuilding. Both hold this lock from their build until they
// have read what they need from dist.
const LOCK = join(tmpdir(), `wirescope-build-lock-${Buffer.from(process.cwd()).toString('hex').slice(-24)}`);
const WAIT_MS = 300_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` holding the repository's build lock (waits for it, up to 5 minutes). */
export async function withBuildLock<T>(fn: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      // Held: by a live process, wait; by one that died holding it, take it over.
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {}
      if (Number.isInteger(owner) && owner > 0 && !alive(owner))
        rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`build lock ${LOCK} still held after ${WAIT_MS} ms`);
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
