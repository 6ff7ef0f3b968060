import type { HandlerExecutionContext } from '@smithy/types';
import { attemptSpanName, operationSpanName } from '@wirescope/semconv';

/** Service and operation names of a call, e.g. `{ service: 'S3', operation: 'PutObject' }`. */
export interface CommandNames {
  readonly service: string;
  readonly operation: string;
  /** Name of the operation span, `S3.PutObject`. */
  readonly spanName: string;
  /** Name of the attempt spans, `S3.PutObject attempt`. */
  readonly attemptSpanName: string;
}

// Client name → command name → names: a client has a fixed set of commands, so every call after the
// first finds its names here instead of slicing and joining strings. Bounded in case a hand-made
// client invents names per call.
const cache = new Map<string, Map<string, CommandNames>>();
let cached = 0;
const MAX_CACHED = 2000;

/**
 * `S3Client` + `PutObjectCommand` → `S3` / `PutObject`. Falls back to the smithy context
 * (`__smithy_context.operation`) when a hand-made client has other names.
 */
export function commandNames(context: HandlerExecutionContext): CommandNames {
  let client = context.clientName;
  let command = context.commandName;
  if (client === undefined || command === undefined) {
    const smithy = smithyContext(context);
    client ??= smithy.service ?? 'AWS';
    command ??= smithy.operation ?? 'Unknown';
  }
  const byCommand = cache.get(client);
  const hit = byCommand?.get(command);
  if (hit) return hit;
  const names = namesOf(client, command);
  if (cached < MAX_CACHED) {
    cached += 1;
    if (byCommand) byCommand.set(command, names);
    else cache.set(client, new Map([[command, names]]));
  }
  return names;
}

function namesOf(client: string, command: string): CommandNames {
  const service = client.endsWith('Client') ? client.slice(0, -'Client'.length) : client;
  const operation = command.endsWith('Command') ? command.slice(0, -'Command'.length) : command;
  const spanName = operationSpanName(service, operation);
  return Object.freeze({ service, operation, spanName, attemptSpanName: attemptSpanName(spanName) });
}

interface SmithyContext {
  service?: string;
  operation?: string;
  commandInstance?: { schema?: unknown };
  selectedHttpAuthScheme?: {
    httpAuthOption?: { signingProperties?: { signingRegion?: unknown; region?: unknown } };
  };
}

/** The `__smithy_context` bag of the handler context (typed loosely: it is not a public type). */
export function smithyContext(context: HandlerExecutionContext): SmithyContext {
  const value = (context as Record<string, unknown>)['__smithy_context'];
  return value && typeof value === 'object' ? (value as SmithyContext) : {};
}

/**
 * The region the request is signed for, once the auth scheme was chosen (serialize step):
 * `signingRegion` when an endpoint ruleset's authSchemes set it (S3), else the SigV4 auth option's own
 * `region` (`{ name, region }`, what most clients carry: Kinesis, DynamoDB), so a custom endpoint
 * (`localhost`, a VPC endpoint) still names the region.
 */
export function signingRegion(context: HandlerExecutionContext): string | undefined {
  const properties = smithyContext(context).selectedHttpAuthScheme?.httpAuthOption?.signingProperties;
  const region = nonEmpty(properties?.signingRegion) ?? nonEmpty(properties?.region);
  return region;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

// @smithy/core's Command marks an operation schema with this (global) symbol when it decides, before
// the middleware stack runs, whether the call is an event stream (and then hands the request handler
// `isEventStream`, which gives the call its own HTTP/2 session).
const EVENT_STREAM_MARKER = Symbol.for('@smithy/op-event-stream');

/** True when the SDK runs this call as an event stream (Kinesis SubscribeToShard, Transcribe streaming, …). */
export function isEventStreamCall(context: HandlerExecutionContext): boolean {
  const schema = smithyContext(context).commandInstance?.schema;
  return (
    typeof schema === 'object' &&
    schema !== null &&
    (schema as Record<symbol, unknown>)[EVENT_STREAM_MARKER] === true
  );
}
