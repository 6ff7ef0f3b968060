// Environment variables a test file must not inherit: unset before each test, restored after it.
import { afterEach, beforeEach } from 'vitest';

/** Registers beforeEach/afterEach hooks that unset `keys` for each test and restore them afterwards. */
export function isolateEnv(keys: readonly string[]): void {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const key of keys) {
      saved.set(key, process.env[key]);
      delete process.env[key];
    }
  });
  afterEach(() => {
    for (const key of keys) {
      const value = saved.get(key);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}
