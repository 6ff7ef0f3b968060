// Issue 14: the Smithy stage durations, recorded with `stageDurations: true` (smithy.client.call.auth.resolve_identity_duration,
// .resolve_endpoint_duration, .serialization_duration, .auth.signing_duration,
// .deserialization_duration), pinned against delays the test injects where a user's configuration
// puts them: a credentials provider that takes 80 ms, an endpoint provider that takes 60 ms, a server
// that sends its headers and then holds the body 120 ms. Real DynamoDB client on both handlers, a real
// node:http server on loopback, a real @opentelemetry/sdk-metrics MeterProvider.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_AUTH_SCHEME_ID,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  METRIC_SMITHY_CALL_ATTEMPTS,
  METRIC_SMITHY_CALL_DESERIALIZATION_DURATION,
  METRIC_SMITHY_CALL_DURATION,
  METRIC_SMITHY_CALL_RESOLVE_ENDPOINT_DURATION,
  METRIC_SMITHY_CALL_RESOLVE_IDENTITY_DURATION,
  METRIC_SMITHY_CALL_SERIALIZATION_DURATION,
  METRIC_SMITHY_CALL_SIGNING_DURATION,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from '../support/clients.js';
import { createTestMetrics, type TestMetrics } from '../support/metrics.js';
import { createTestBucket, startS3Server } from '../support/s3-server.js';

const CREDENTIALS_MS = 80;
const ENDPOINT_MS = 60;
const BODY_HOLD_MS = 120;
// Slack above an injected delay: timers, the event loop of a loaded CI machine.
const SLACK_MS = 250;
const HANDOFF_MARGIN_MS = 25;

const STAGE_METRICS: string[] = [
  METRIC_SMITHY_CALL_RESOLVE_IDENTITY_DURATION,
  METRIC_SMITHY_CALL_RESOLVE_ENDPOINT_DURATION,
  METRIC_SMITHY_CALL_SERIALIZATION_DURATION,
  METRIC_SMITHY_CALL_SIGNING_DURATION,
  METRIC_SMITHY_CALL_DESERIALIZATION_DURATION,
];

type Answer = 'ok' | 'hold-body' | 'error-500';
const answers: Answer[] = [];
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = answers.shift() ?? 'ok';
      const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'stage-test' };
      if (answer === 'error-500') {
        res.writeHead(500, headers);
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'x' }),
        );
        return;
      }
      const body = JSON.stringify({ TableNames: ['a', 'b'] });
      if (answer === 'ok') {
        res.writeHead(200, headers);
        res.end(body);
        return;
      }
      res.writeHead(200, headers);
      res.flushHeaders();
      setTimeout(() => res.end(body), BODY_HOLD_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Count and sum (in ms) of one metric's single series, and its attributes. */
async function read(metrics: TestMetrics, name: string) {
  const points = await metrics.points(name);
  expect(points.length, name).toBeLessThanOrEqual(1);
  const point = points[0];
  return { count: point?.count ?? 0, ms: (point?.sum ?? 0) * 1000, attributes: point?.attributes };
}

/** What one call added to each stage's histogram. */
async function stagesOf(metrics: TestMetrics, call: () => Promise<unknown>) {
  const names = {
    identity: METRIC_SMITHY_CALL_RESOLVE_IDENTITY_DURATION,
    endpoint: METRIC_SMITHY_CALL_RESOLVE_ENDPOINT_DURATION,
    serialization: METRIC_SMITHY_CALL_SERIALIZATION_DURATION,
    signing: METRIC_SMITHY_CALL_SIGNING_DURATION,
    deserialization: METRIC_SMITHY_CALL_DESERIALIZATION_DURATION,
    call: METRIC_SMITHY_CALL_DURATION,
  } as const;
  const before = Object.fromEntries(
    await Promise.all(Object.entries(names).map(async ([key, name]) => [key, await read(metrics, name)])),
  );
  await call();
  const after = Object.fromEntries(
    await Promise.all(Object.entries(names).map(async ([key, name]) => [key, await read(metrics, name)])),
  );
  const delta = (key: keyof typeof names) => ({
    count: after[key].count - before[key].count,
    ms: after[key].ms - before[key].ms,
    attributes: after[key].attributes,
  });
  return {
    identity: delta('identity'),
    endpoint: delta('endpoint'),
    serialization: delta('serialization'),
    signing: delta('signing'),
    deserialization: delta('deserialization'),
    call: delta('call'),
  };
}

describe('without stageDurations', () => {
  it('records no stage duration and adds no stage middleware; the call metrics are there', async () => {
    const metrics = createTestMetrics();
    const client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { ...TEST_CREDENTIALS },
      endpoint: `http://127.0.0.1:${port}`,
    });
    client.middlewareStack.use(wirescope({ meterProvider: metrics.provider }));
    try {
      answers.push('ok');
      await client.send(new ListTablesCommand({}));
      const names = await metrics.names();
      expect(names).toContain(METRIC_SMITHY_CALL_DURATION);
      expect(names.filter((name) => STAGE_METRICS.includes(name))).toEqual([]);
      expect(client.middlewareStack.identify().filter((name) => name.startsWith('wirescope'))).toEqual([
        'wirescopeOperationMiddleware - initialize',
        'wirescopeAttemptMiddleware - finalizeRequest',
      ]);
    } finally {
      client.destroy();
      await metrics.shutdown();
    }
  });
});

describe.each(['node', 'fetch'] as const)('the Smithy stage durations, %s handler', (handler) => {
  it('identity, endpoint, serialization, signing and deserialization, each against what was injected', async () => {
    const metrics = createTestMetrics();
    let credentialFetches = 0;
    const client = new DynamoDBClient({
      region: 'us-east-1',
      // The SDK keeps credentials without an expiry: only the first call waits for them.
      credentials: async () => {
        credentialFetches += 1;
        await sleep(CREDENTIALS_MS);
        return { ...TEST_CREDENTIALS };
      },
      // A custom endpoint is read on every call's endpoint resolution.
      endpoint: async () => {
        await sleep(ENDPOINT_MS);
        return { protocol: 'http:', hostname: '127.0.0.1', port, path: '/' };
      },
      requestHandler: handler === 'fetch' ? new FetchHttpHandler() : new NodeHttpHandler(),
      maxAttempts: 3,
    });
    client.middlewareStack.use(wirescope({ meterProvider: metrics.provider, stageDurations: true }));
    try {
      answers.push('hold-body');
      const first = await stagesOf(metrics, () => client.send(new ListTablesCommand({})));
      expect(credentialFetches).toBe(1);
      expect(first.identity.count).toBe(1);
      expect(first.identity.ms).toBeGreaterThanOrEqual(CREDENTIALS_MS - 1);
      expect(first.identity.ms).toBeLessThan(CREDENTIALS_MS + SLACK_MS);
      expect(first.identity.attributes).toEqual({
        [ATTR_RPC_SERVICE]: 'DynamoDB',
        [ATTR_RPC_METHOD]: 'ListTables',
        [ATTR_AUTH_SCHEME_ID]: 'aws.auth#sigv4',
      });
      expect(first.endpoint.count).toBe(1);
      expect(first.endpoint.ms).toBeGreaterThanOrEqual(ENDPOINT_MS - 1);
      expect(first.endpoint.ms).toBeLessThan(ENDPOINT_MS + SLACK_MS);
      // Nothing was injected into the serializer: it is there once, and small.
      expect(first.serialization.count).toBe(1);
      expect(first.serialization.ms).toBeLessThan(SLACK_MS);
      expect(first.signing.count).toBe(1);
      expect(first.signing.ms).toBeLessThan(SLACK_MS);
      expect(first.signing.attributes?.[ATTR_AUTH_SCHEME_ID]).toBe('aws.auth#sigv4');
      // The body came 120 ms after the headers: reading it is the deserializer's time. The hold runs
      // from the server's flush, and the handler hands the response on a few ms after the headers
      // arrive (fetch's own steps on a new connection: 5-7 ms seen), so the floor has that margin.
      expect(first.deserialization.count).toBe(1);
      expect(first.deserialization.ms).toBeGreaterThanOrEqual(BODY_HOLD_MS - HANDOFF_MARGIN_MS);
      expect(first.deserialization.ms).toBeLessThan(BODY_HOLD_MS + SLACK_MS);
      // The stages lie inside the call.
      const stages =
        first.identity.ms +
        first.endpoint.ms +
        first.serialization.ms +
        first.signing.ms +
        first.deserialization.ms;
      expect(stages).toBeLessThanOrEqual(first.call.ms + 1);

      // Second call: the identity is cached, the endpoint is not; the body comes at once.
      answers.push('ok');
      const second = await stagesOf(metrics, () => client.send(new ListTablesCommand({})));
      expect(credentialFetches).toBe(1);
      expect(second.identity.count).toBe(1);
      expect(second.identity.ms).toBeLessThan(CREDENTIALS_MS / 2);
      expect(second.endpoint.ms).toBeGreaterThanOrEqual(ENDPOINT_MS - 1);
      expect(second.deserialization.count).toBe(1);
      expect(second.deserialization.ms).toBeLessThan(BODY_HOLD_MS / 2);

      // A 500, then a 200: two attempts, each signed and its response deserialized; the serialize
      // step (identity, endpoint, serializer) runs once for the call.
      answers.push('error-500', 'ok');
      const attemptsBefore = (await metrics.points(METRIC_SMITHY_CALL_ATTEMPTS))[0]?.value ?? 0;
      const retried = await stagesOf(metrics, () => client.send(new ListTablesCommand({})));
      expect((await metrics.points(METRIC_SMITHY_CALL_ATTEMPTS))[0]?.value).toBe(attemptsBefore + 2);
      expect(retried.signing.count).toBe(2);
      expect(retried.deserialization.count).toBe(2);
      expect(retried.identity.count).toBe(1);
      expect(retried.endpoint.count).toBe(1);
      expect(retried.serialization.count).toBe(1);
    } finally {
      client.destroy();
      await metrics.shutdown();
    }
  });
});

describe('the stage durations on S3 (s3rver), whose serialize step has more middlewares', () => {
  it('a PutObject records each stage once, the auth ones with the sigv4 scheme', async () => {
    const s3 = await startS3Server();
    const metrics = createTestMetrics();
    const setup = createS3Client(s3.endpoint);
    const bucket = await createTestBucket(setup, 'stage-durations');
    setup.destroy();
    const client = createS3Client(s3.endpoint);
    client.middlewareStack.use(wirescope({ meterProvider: metrics.provider, stageDurations: true }));
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'stage' }));
      for (const name of STAGE_METRICS) {
        const points = await metrics.points(name);
        expect(
          points.map((p) => p.count),
          name,
        ).toEqual([1]);
        const auth = name.includes('.auth.') ? { [ATTR_AUTH_SCHEME_ID]: 'aws.auth#sigv4' } : {};
        expect(points[0]?.attributes, name).toEqual({
          [ATTR_RPC_SERVICE]: 'S3',
          [ATTR_RPC_METHOD]: 'PutObject',
          ...auth,
        });
      }
    } finally {
      client.destroy();
      await metrics.shutdown();
      await s3.close();
    }
  });
});
