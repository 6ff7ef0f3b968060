// The plugin keeps, per command, the counter series its last call and attempt used (call-metrics.ts):
// a call whose values differ from the last one must land in its own series, and a second
// MeterProvider in the process must never add to the first one's. Real DynamoDB (dynalite) on loopback,
// a real SDK client per provider, real @opentelemetry/sdk-metrics MeterProviders.
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_RPC_METHOD,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_SMITHY_CALL_ATTEMPTS,
  METRIC_SMITHY_CALL_DURATION,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../support/clients.js';
import { type DynamoServerHandle, startDynamoServer } from '../support/dynamo-server.js';
import { createTestMetrics, total } from '../support/metrics.js';

const TABLE = 'series-memo';
const NOT_FOUND = 'ResourceNotFoundException';
let server: DynamoServerHandle;

beforeAll(async () => {
  server = await startDynamoServer();
  const setup = createDynamoClient(server.endpoint);
  await setup.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  setup.destroy();
});
afterAll(async () => {
  await server.close();
});

describe('the series a command keeps between calls', () => {
  it('alternating outcomes and two providers: every call in its own series, each provider exact', async () => {
    const first = createTestMetrics();
    const second = createTestMetrics();
    const one = createDynamoClient(server.endpoint, { maxAttempts: 1 });
    one.middlewareStack.use(wirescope({ meterProvider: first.provider }));
    const two = createDynamoClient(server.endpoint, { maxAttempts: 1 });
    two.middlewareStack.use(wirescope({ meterProvider: second.provider }));
    const describeTable = (client: typeof one, name: string) =>
      client.send(new DescribeTableCommand({ TableName: name })).then(
        () => 'ok',
        (error: Error) => error.name,
      );
    try {
      // The same command on the first provider: found, missing, found, missing, found (each call's
      // values differ from the last call's); then five found on the second provider; then missing
      // and found on the first again.
      const outcomes: string[] = [];
      for (let i = 0; i < 5; i++)
        outcomes.push(await describeTable(one, i % 2 === 0 ? TABLE : 'no-such-table'));
      for (let i = 0; i < 5; i++) outcomes.push(await describeTable(two, TABLE));
      outcomes.push(await describeTable(one, 'no-such-table'), await describeTable(one, TABLE));
      expect(outcomes).toEqual([
        'ok',
        NOT_FOUND,
        'ok',
        NOT_FOUND,
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        NOT_FOUND,
        'ok',
      ]);
      const describe = { [ATTR_RPC_METHOD]: 'DescribeTable' };
      const calls = await first.points(METRIC_CALLS);
      expect(calls.map((p) => `${p.attributes[ATTR_ERROR_TYPE] ?? 'ok'} ${p.value}`).sort()).toEqual([
        `${NOT_FOUND} 3`,
        'ok 4',
      ]);
      // Attempts by reuse and error: the first opened the connection.
      const attempts = await first.points(METRIC_ATTEMPTS);
      const byOutcome = attempts
        .map(
          (p) =>
            `${p.attributes[ATTR_CONNECTION_REUSED]} ${p.attributes[ATTR_ERROR_TYPE] ?? 'ok'} ${p.value}`,
        )
        .sort();
      expect(byOutcome).toEqual([`false ok 1`, `true ${NOT_FOUND} 3`, 'true ok 3']);
      const requests = await first.points(METRIC_HTTP_CLIENT_REQUEST_DURATION);
      expect(
        requests.map((p) => `${p.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]} ${p.count}`).sort(),
      ).toEqual(['200 4', '400 3']);
      expect(total(await first.points(METRIC_SMITHY_CALL_ATTEMPTS), describe)).toBe(7);
      expect((await first.points(METRIC_SMITHY_CALL_DURATION)).map((p) => p.count)).toEqual([7]);
      const secondCalls = await second.points(METRIC_CALLS);
      expect(secondCalls.map((p) => [p.attributes[ATTR_ERROR_TYPE], p.value])).toEqual([[undefined, 5]]);
      const secondAttempts = await second.points(METRIC_ATTEMPTS);
      expect(secondAttempts.map((p) => `${p.attributes[ATTR_CONNECTION_REUSED]} ${p.value}`).sort()).toEqual([
        'false 1',
        'true 4',
      ]);
      expect(total(await second.points(METRIC_SMITHY_CALL_ATTEMPTS), describe)).toBe(5);
    } finally {
      one.destroy();
      two.destroy();
      await first.shutdown();
      await second.shutdown();
    }
  });
});
