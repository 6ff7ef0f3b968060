// One test file's s3rver with its bucket, the TCP proxies put in front of it, and the tracing pipeline's
// lifecycle: started in beforeAll, spans forgotten after each test, everything closed in afterAll.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createS3Client } from './clients.js';
import type { TestTracing } from './otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './s3-server.js';
import { startTcpProxy, type TcpProxyHandle, type TcpProxyOptions } from './tcp-proxy.js';

/** What {@link useS3Fixture} gives a test file. */
export interface S3Fixture {
  /** The server; set in beforeAll, so read it inside hooks and tests only. */
  readonly server: S3ServerHandle;
  /** A new TCP proxy in front of the server, closed in afterAll. */
  proxy(options?: Omit<TcpProxyOptions, 'target'>): Promise<TcpProxyHandle>;
}

/** Registers the hooks: s3rver + `bucket` (created with `handler`), tracing reset and shutdown, proxies closed. */
export function useS3Fixture(
  bucket: string,
  tracing: TestTracing,
  options: { handler?: 'node' | 'fetch' } = {},
): S3Fixture {
  let server: S3ServerHandle | undefined;
  const proxies: TcpProxyHandle[] = [];
  beforeAll(async () => {
    server = await startS3Server();
    const setup = createS3Client(server.endpoint, options.handler ? { handler: options.handler } : {});
    await createTestBucket(setup, bucket);
    setup.destroy();
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await server?.close();
    await tracing.shutdown();
  });
  afterEach(() => tracing.reset());
  const current = (): S3ServerHandle => {
    if (!server) throw new Error('useS3Fixture: the server starts in beforeAll');
    return server;
  };
  return {
    get server() {
      return current();
    },
    async proxy(proxyOptions = {}) {
      const target = { host: '127.0.0.1', port: current().port };
      const handle = await startTcpProxy({ target, ...proxyOptions });
      proxies.push(handle);
      return handle;
    },
  };
}
