// Issue 15: an endpoint that quotes the request back in its error (an API Gateway or proxy error, an
// `IncompleteSignature` message) must not leak the request's secrets into any span, event, status, diag
// log line or report. The quote comes in three shapes — the raw headers, URL-encoded (`%3D`), and
// prose with no key before the values — on both handlers, for S3 (XML errors) and DynamoDB (JSON errors).
// The canary credentials are shaped so that the pattern rules of redactSecrets do not know them (no
// AKIA prefix, no mixed-case-and-digit key material): only removing the request's own values can pass.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BuildMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import {
  analyze,
  formatHtml,
  formatJson,
  formatMarkdown,
  formatText,
  wireSpanFromReadable,
} from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestTracing } from './support/otel.js';
import { allAttributeText } from './support/span-query.js';

const CREDENTIALS = {
  accessKeyId: 'WSECHOCANARYKEYIDXXX',
  secretAccessKey: 'echo-canary-secret-access-key',
  sessionToken: 'echo-canary/session+token=lowercase-only',
};
const SSE_C_KEY = 'wirescope-echo-canary-ssec-key32'; // 32 bytes, as AES256 wants

type Shape = 'raw' | 'url-encoded' | 'prose';
const SHAPES: readonly Shape[] = ['raw', 'url-encoded', 'prose'];

const tracing = createTestTracing({ register: true });
const logLines: string[] = [];
let server: http.Server;
let endpoint: string;

/** What the echo server writes back for a request, in one shape. */
function quote(shape: Shape, request: http.IncomingMessage): string {
  const header = (name: string) => String(request.headers[name] ?? '');
  const auth = header('authorization');
  const token = header('x-amz-security-token');
  const ssecB64 = header('x-amz-server-side-encryption-customer-key');
  const ssec = ssecB64 ? Buffer.from(ssecB64, 'base64').toString('utf8') : '';
  const keyId = /Credential=([^/]+)/.exec(auth)?.[1] ?? '';
  const signature = /Signature=([0-9a-f]+)/.exec(auth)?.[1] ?? '';
  const quoted = `Authorization: ${auth}; X-Amz-Security-Token: ${token}; x-amz-server-side-encryption-customer-key: ${ssecB64}`;
  switch (shape) {
    case 'raw':
      return `The request signature we calculated does not match. Request was: ${quoted}`;
    case 'url-encoded':
      return `Bad request ${encodeURIComponent(quoted)}`;
    case 'prose':
      return `The provided token ${token} has expired; customer key ${ssec || '(none)'} rejected for access key ${keyId} (signature ${signature})`;
  }
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

beforeAll(async () => {
  const record = (...args: unknown[]) => logLines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
  diag.setLogger(logger, DiagLogLevel.ALL);
  server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const shape = (request.headers['x-echo-shape'] as Shape | undefined) ?? 'raw';
      const message = quote(shape, request);
      if (String(request.headers['x-amz-target'] ?? '').startsWith('DynamoDB_')) {
        const body = JSON.stringify({
          __type: 'com.amazon.coral.service#IncompleteSignatureException',
          message,
        });
        response.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': 'ECHO1',
        });
        response.end(body);
      } else {
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>IncompleteSignature</Code><Message>${xmlEscape(message)}</Message><RequestId>ECHO1</RequestId></Error>`;
        response.writeHead(400, { 'content-type': 'application/xml', 'x-amz-request-id': 'ECHO1' });
        response.end(body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  diag.disable();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await tracing.shutdown();
});
beforeEach(() => {
  tracing.reset();
  logLines.length = 0;
});

/** Every form a secret of this file can take in a quote. */
function canaries(): string[] {
  const ssecB64 = Buffer.from(SSE_C_KEY).toString('base64');
  return [CREDENTIALS.sessionToken, CREDENTIALS.accessKeyId, SSE_C_KEY, ssecB64].flatMap((v) => [
    v,
    encodeURIComponent(v),
  ]);
}

function handlerOf(kind: 'node' | 'fetch') {
  return kind === 'fetch' ? new FetchHttpHandler() : new NodeHttpHandler();
}

/** Adds a header that tells the echo server which shape to quote in (before signing, so it is signed). */
function withShape<T extends S3Client | DynamoDBClient>(client: T, shape: Shape): T {
  const stack = client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>;
  const addShape: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
    (args.request as { headers: Record<string, string> }).headers['x-echo-shape'] = shape;
    return next(args);
  };
  stack.add(addShape, { step: 'build', name: 'echoShape' });
  stack.use(wirescope());
  return client;
}

/** The thrown error's message (to show the quote really reached the app), and every text wirescope wrote. */
async function expectNoCanaryAnywhere(thrown: unknown, shape: Shape): Promise<void> {
  const message = (thrown as Error).message;
  // The application sees the server's message unchanged: the canaries are really there to leak.
  if (shape === 'url-encoded') expect(message).toContain(encodeURIComponent(CREDENTIALS.sessionToken));
  else expect(message).toContain(CREDENTIALS.sessionToken);
  const spans = tracing.spans();
  expect(spans.some((s) => s.status.message?.includes('IncompleteSignature'))).toBe(true);
  const result = await analyze(spans.map((span) => wireSpanFromReadable(span)));
  const texts = [
    allAttributeText(spans),
    logLines.join('\n'),
    formatText(result),
    formatJson(result),
    formatMarkdown(result),
    formatHtml(result),
  ];
  for (const text of texts) for (const canary of canaries()) expect(text).not.toContain(canary);
}

describe.each(['node', 'fetch'] as const)('%s handler', (handler) => {
  it.each(SHAPES)('S3 PutObject with SSE-C, the error quoting the request %s', async (shape) => {
    const s3 = withShape(
      new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: CREDENTIALS,
        requestHandler: handlerOf(handler),
        maxAttempts: 1,
      }),
      shape,
    );
    const thrown = await s3
      .send(
        new PutObjectCommand({
          Bucket: 'echo',
          Key: 'k',
          Body: 'x',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: SSE_C_KEY,
        }),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((thrown as Error).name).toBe('IncompleteSignature');
    if (shape === 'prose') expect((thrown as Error).message).toContain(SSE_C_KEY);
    await expectNoCanaryAnywhere(thrown, shape);
    s3.destroy();
  });

  it.each(SHAPES)('DynamoDB GetItem, the error quoting the request %s', async (shape) => {
    const dynamo = withShape(
      new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: CREDENTIALS,
        requestHandler: handlerOf(handler),
        maxAttempts: 1,
      }),
      shape,
    );
    const thrown = await dynamo.send(new GetItemCommand({ TableName: 't', Key: { id: { S: '1' } } })).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((thrown as Error).name).toBe('IncompleteSignatureException');
    await expectNoCanaryAnywhere(thrown, shape);
    dynamo.destroy();
  });
});
