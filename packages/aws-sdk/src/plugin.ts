import type { MetadataBearer, MiddlewareStack, Pluggable } from '@smithy/types';
import { attemptMiddleware } from './attempt-middleware.js';
import { enableConnectionFacts } from './connection-facts.js';
import { guard } from './guard.js';
import { operationMiddleware } from './operation-middleware.js';
import { resolveOptions } from './resolve-options.js';
import {
  deserializedMiddleware,
  responseMiddleware,
  serializeEndMiddleware,
  serializeStartMiddleware,
  signedMiddleware,
} from './stage-metrics.js';
import type { WirescopeOptions } from './types.js';
import { validateWirescopeOptions } from './validate-options.js';

/** Name of the operation-span middleware in the SDK's middleware stack. */
export const OPERATION_MIDDLEWARE_NAME = 'wirescopeOperationMiddleware';
/** Name of the attempt-span middleware in the SDK's middleware stack. */
export const ATTEMPT_MIDDLEWARE_NAME = 'wirescopeAttemptMiddleware';

/**
 * The wirescope plugin for any AWS SDK for JavaScript v3 client:
 * `client.middlewareStack.use(wirescope())`. Placed by step and priority only (never relative to a
 * named SDK middleware, which breaks when the SDK renames it: aws-sdk-js-v3 #7533, #7570). Adding it
 * twice is harmless: the names are the same and `override` keeps one copy. Throws a
 * `WirescopeConfigError` (code `WIRESCOPE_BAD_OPTION`) on a bad option, here and never during a call.
 */
export function wirescope(options?: WirescopeOptions | null): Pluggable<object, MetadataBearer> {
  // Configuration time, the one place a throw is right: a bad option throws here, with the fix
  // (issue 13); `undefined` and `null` read as no options. Past this line nothing throws.
  const valid = validateWirescopeOptions(options);
  const resolved = guard('reading the options', () => resolveOptions(valid), undefined) ?? resolveOptions({});
  guard('enabling connection facts', () => enableConnectionFacts(resolved), undefined);
  return {
    applyToStack(stack: MiddlewareStack<object, MetadataBearer>) {
      stack.add(operationMiddleware(resolved), {
        step: 'initialize',
        priority: 'high',
        name: OPERATION_MIDDLEWARE_NAME,
        tags: ['WIRESCOPE'],
        override: true,
      });
      stack.add(attemptMiddleware(resolved), {
        step: 'finalizeRequest',
        priority: 'low',
        name: ATTEMPT_MIDDLEWARE_NAME,
        tags: ['WIRESCOPE'],
        override: true,
      });
      // The Smithy stage durations (stage-metrics.ts), when asked for: each passes a call through
      // unless its metrics are recorded (a MeterProvider was registered when it started).
      if (!resolved.stageDurations) return;
      const stage = { tags: ['WIRESCOPE'], override: true };
      stack.add(serializeStartMiddleware(), {
        ...stage,
        step: 'serialize',
        priority: 'high',
        name: 'wirescopeSerializeStartMiddleware',
      });
      stack.add(serializeEndMiddleware(), {
        ...stage,
        step: 'serialize',
        priority: 'low',
        name: 'wirescopeSerializeEndMiddleware',
      });
      stack.add(signedMiddleware(), {
        ...stage,
        step: 'finalizeRequest',
        priority: 'high',
        name: 'wirescopeSignedMiddleware',
      });
      stack.add(deserializedMiddleware(), {
        ...stage,
        step: 'deserialize',
        priority: 'high',
        name: 'wirescopeDeserializedMiddleware',
      });
      stack.add(responseMiddleware(), {
        ...stage,
        step: 'deserialize',
        priority: 'low',
        name: 'wirescopeResponseMiddleware',
      });
    },
  };
}
