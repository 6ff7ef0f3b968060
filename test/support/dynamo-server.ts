import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** A running in-memory DynamoDB (dynalite). */
export interface DynamoServerHandle {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  /** Drops open connections, stops the server and closes its in-memory store. */
  close(): Promise<void>;
}

// dynalite ships no types: it returns an http.Server whose close() also closes the store.
type Dynalite = (options: Record<string, unknown>) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

/** Starts dynalite in memory on 127.0.0.1, a random port, with tables ACTIVE at once. */
export async function startDynamoServer(): Promise<DynamoServerHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
