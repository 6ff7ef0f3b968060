import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  InitializeHandlerArguments,
  MetadataBearer,
} from '@smithy/types';
import {
  ATTR_ATTEMPTS,
  ATTR_ERROR_TYPE,
  ATTR_EXPECT_CONTINUE,
  ATTR_REQUEST_BODY_SIZE,
} from '@wirescope/semconv';
import { afterEach, describe, expect, it } from 'vitest';
import { attemptMiddleware } from './attempt-middleware.js';
import { commandNames } from './command-names.js';
import { operationMiddleware } from './operation-middleware.js';
import { resolveOptions } from './resolve-options.js';

// The two middlewares on their own, around hand-made handlers: what the host sees when the rest of
// the chain throws, rejects or answers, and the facts read from the request.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const options = resolveOptions({ tracerProvider: provider });

afterEach(() => exporter.reset());

function handlerContext(): HandlerExecutionContext {
  return { clientName: 'S3Client', commandName: 'PutObjectCommand' };
}

type Output = { output: MetadataBearer; response: unknown };

/** The operation middleware around the attempt middleware around `handler`, as the SDK chains them. */
function chain(handler: FinalizeHandler<object, MetadataBearer>, context = handlerContext()) {
  const attempt = attemptMiddleware(options)(handler, context);
  const finalizeAsInitialize = (args: InitializeHandlerArguments<object>) =>
    attempt({ ...args, request: { method: 'PUT', hostname: 'h', headers: {} } });
  return operationMiddleware(options)(finalizeAsInitialize as never, context);
}

describe('the host sees its own outcome unchanged', () => {
  it('a handler that throws synchronously: a rejected promise with the same error, spans ended', async () => {
    const error = new Error('sync failure');
    const handler = (() => {
      throw error;
    }) as unknown as FinalizeHandler<object, MetadataBearer>;
    let returned: unknown;
    expect(() => {
      returned = chain(handler)({ input: {} });
    }).not.toThrow();
    await expect(returned).rejects.toBe(error);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['S3.PutObject', 'S3.PutObject attempt']);
    for (const span of spans) expect(span.attributes[ATTR_ERROR_TYPE]).toBe('Error');
  });

  it('a rejection passes through as the same error; an answer as the same object', async () => {
    const error = new Error('async failure');
    await expect(chain(() => Promise.reject(error))({ input: {} })).rejects.toBe(error);
    const answer: Output = { output: { $metadata: {} }, response: { statusCode: 200, headers: {} } };
    await expect(chain(async () => answer as never)({ input: {} })).resolves.toBe(answer);
    const operations = exporter.getFinishedSpans().filter((s) => s.name === 'S3.PutObject');
    expect(operations.map((s) => s.attributes[ATTR_ATTEMPTS])).toEqual([1, 1]);
  });

  it('without a traced operation the attempt middleware passes through, a sync throw becoming a rejection', async () => {
    const error = new Error('untraced');
    const attempt = attemptMiddleware(options)(
      (() => {
        throw error;
      }) as never,
      handlerContext(),
    );
    let returned: unknown;
    expect(() => {
      returned = attempt({ input: {}, request: {} } as FinalizeHandlerArguments<object>);
    }).not.toThrow();
    await expect(returned).rejects.toBe(error);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});

describe('request facts', () => {
  it('reads content-length and expect in any case, first name wins', async () => {
    const context = handlerContext();
    const attempt = attemptMiddleware(options)(async () => ({ output: {}, response: {} }) as never, context);
    const operation = operationMiddleware(options)(
      ((args: InitializeHandlerArguments<object>) =>
        attempt({
          ...args,
          request: {
            method: 'PUT',
            headers: { 'Content-Length': '12', 'content-length': '99', EXPECT: '100-Continue' },
          },
        })) as never,
      context,
    );
    await operation({ input: {} });
    const span = exporter.getFinishedSpans().find((s) => s.name === 'S3.PutObject attempt')!;
    expect(span.attributes[ATTR_REQUEST_BODY_SIZE]).toBe(12);
    expect(span.attributes[ATTR_EXPECT_CONTINUE]).toBe(true);
  });
});

describe('commandNames', () => {
  it('strips Client and Command, names the spans, and answers repeated calls from its cache', () => {
    const first = commandNames({ clientName: 'DynamoDBClient', commandName: 'PutItemCommand' });
    expect(first).toEqual({
      service: 'DynamoDB',
      operation: 'PutItem',
      spanName: 'DynamoDB.PutItem',
      attemptSpanName: 'DynamoDB.PutItem attempt',
    });
    expect(commandNames({ clientName: 'DynamoDBClient', commandName: 'PutItemCommand' })).toBe(first);
  });

  it('falls back to the smithy context, then to AWS / Unknown', () => {
    const smithy = { __smithy_context: { service: 'Custom', operation: 'DoThing' } };
    expect(commandNames(smithy as HandlerExecutionContext).spanName).toBe('Custom.DoThing');
    expect(commandNames({}).spanName).toBe('AWS.Unknown');
    expect(commandNames({ clientName: 'S3Client' }).spanName).toBe('S3.Unknown');
  });
});
