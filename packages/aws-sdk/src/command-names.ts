import type { HandlerExecutionContext } from '@smithy/types';

/** Service and operation names of a call, e.g. `{ service: 'S3', operation: 'PutObject' }`. */
export interface CommandNames {
  service: string;
  operation: string;
}

/**
 * `S3Client` + `PutObjectCommand` → `S3` / `PutObject`. Falls back to the smithy context
 * (`__smithy_context.operation`) when a hand-made client has other names.
 */
export function commandNames(context: HandlerExecutionContext): CommandNames {
  const smithy = smithyContext(context);
  const client = context.clientName ?? smithy.service ?? 'AWS';
  const command = context.commandName ?? smithy.operation ?? 'Unknown';
  return {
    service: client.endsWith('Client') ? client.slice(0, -'Client'.length) : client,
    operation: command.endsWith('Command') ? command.slice(0, -'Command'.length) : command,
  };
}

interface SmithyContext {
  service?: string;
  operation?: string;
  selectedHttpAuthScheme?: { httpAuthOption?: { signingProperties?: { signingRegion?: unknown } } };
}

/** The `__smithy_context` bag of the handler context (typed loosely: it is not a public type). */
export function smithyContext(context: HandlerExecutionContext): SmithyContext {
  const value = (context as Record<string, unknown>)['__smithy_context'];
  return value && typeof value === 'object' ? (value as SmithyContext) : {};
}

/** The region the request is signed for, once the auth scheme was chosen (serialize step). */
export function signingRegion(context: HandlerExecutionContext): string | undefined {
  const region =
    smithyContext(context).selectedHttpAuthScheme?.httpAuthOption?.signingProperties?.signingRegion;
  return typeof region === 'string' && region.length > 0 ? region : undefined;
}
