// A Lambda handler behind API Gateway that stores the request's payload (up to 1 MB) in S3 — the
// shape of seed 002 ("how to shorten the API response time in an API GW + Lambda solution").
import https from 'node:https';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type WirescopeOptions, wirescope } from '@wirescope/aws-sdk';

/** The part of an API Gateway proxy event the handler reads. */
export interface PayloadEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string };
}

/** The API Gateway proxy response. */
export interface PayloadResult {
  statusCode: number;
  body: string;
}

/**
 * Idle sockets older than this are closed by the client itself. S3 drops idle keep-alive sockets
 * after ~5–20 s and a NAT gateway after 350 s; a frozen Lambda sandbox thaws with its sockets
 * possibly already dropped. Closing them first turns a reset-then-retry into a plain new connection.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/** The client the fix suggests: keep-alive, and idle sockets closed before S3 drops them. */
export function createS3Client(): S3Client {
  return new S3Client({
    requestHandler: new NodeHttpHandler({
      httpsAgent: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS }),
    }),
  });
}

/**
 * Builds the handler around one client. Create the client ONCE per execution environment (module
 * scope, as `handler` below does): warm invocations then reuse its sockets instead of paying
 * DNS + TCP + TLS on every call.
 */
export function makeHandler(
  s3: S3Client,
  bucket: string | undefined,
  options: WirescopeOptions = {},
): (event: PayloadEvent) => Promise<PayloadResult> {
  s3.middlewareStack.use(wirescope(options));
  return async (event) => {
    if (!bucket) return { statusCode: 500, body: 'BUCKET is not set' };
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const key = `payloads/${event.requestContext?.requestId ?? Date.now().toString(36)}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return { statusCode: 201, body: JSON.stringify({ key, bytes: body.length }) };
  };
}

/** The Lambda entry point (`handler.handler`): a module-scope client, reused while the sandbox is warm. */
export const handler = makeHandler(createS3Client(), process.env.BUCKET);
