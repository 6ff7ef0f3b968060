// Issue 2: span names for every service, not only S3 — DynamoDB against dynalite, with the plugin on a
// globally registered provider (the "one line, no other set-up" path).
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_REUSED,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  ATTR_SERVER_ADDRESS,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from './support/clients.js';
import { type DynamoServerHandle, startDynamoServer } from './support/dynamo-server.js';
import { createTestTracing } from './support/otel.js';
import { attr, spansNamed } from './support/span-query.js';

const tracing = createTestTracing({ register: true });
let dynamo: DynamoServerHandle;

beforeAll(async () => {
  dynamo = await startDynamoServer();
  const setup = createDynamoClient(dynamo.endpoint);
  await setup.send(
    new CreateTableCommand({
      TableName: 'items',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  setup.destroy();
});
afterAll(async () => {
  await dynamo.close();
  await tracing.shutdown();
});
afterEach(() => tracing.reset());

async function putTwice(endpoint: string) {
  const client = createDynamoClient(endpoint);
  client.middlewareStack.use(wirescope());
  for (const id of ['a', 'b']) {
    await client.send(new PutItemCommand({ TableName: 'items', Item: { id: { S: id } } }));
  }
  client.destroy();
  return tracing.spans();
}

describe('DynamoDB PutItem against dynalite (plain HTTP)', () => {
  it('names spans DynamoDB.PutItem and records the same connection facts', async () => {
    const spans = await putTwice(dynamo.endpoint.replace('127.0.0.1', 'localhost'));
    const ops = spansNamed(spans, 'DynamoDB.PutItem');
    expect(ops).toHaveLength(2);
    expect(attr(ops[0]!, ATTR_RPC_SYSTEM)).toBe('aws-api');
    expect(attr(ops[0]!, ATTR_RPC_SERVICE)).toBe('DynamoDB');
    expect(attr(ops[0]!, ATTR_RPC_METHOD)).toBe('PutItem');
    const attempts = spansNamed(spans, 'DynamoDB.PutItem attempt');
    expect(attempts.map((a) => attr(a, ATTR_CONNECTION_REUSED)).sort()).toEqual([false, true]);
    expect(attr(attempts[0]!, ATTR_SERVER_ADDRESS)).toBe('localhost');
    // localhost is a name: one lookup for the one connection; plain HTTP: no TLS.
    expect(spansNamed(spans, SPAN_DNS_LOOKUP)).toHaveLength(1);
    expect(spansNamed(spans, SPAN_TCP_CONNECT)).toHaveLength(1);
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(0);
  });

  it('an IP literal endpoint has no dns.lookup', async () => {
    const spans = await putTwice(dynamo.endpoint);
    expect(spansNamed(spans, 'DynamoDB.PutItem')).toHaveLength(2);
    expect(spansNamed(spans, SPAN_TCP_CONNECT)).toHaveLength(1);
    expect(spansNamed(spans, SPAN_DNS_LOOKUP)).toHaveLength(0);
  });
});
