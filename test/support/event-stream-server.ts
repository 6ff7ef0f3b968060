// A local Kinesis SubscribeToShard endpoint over TLS HTTP/2 (node:http2, ALPN h2, the generated test
// certificate): enough of the awsJson1_1 event-stream protocol for one exchange (issue 17). The wire
// format is the client's own (@aws-sdk/client-kinesis 3.1143, AwsJson1_1Protocol): the request is
// `POST /` with `x-amz-target: Kinesis_20131202.SubscribeToShard` and an `application/x-amz-json-1.1`
// JSON body; the response is `200` with `content-type: application/vnd.amazon.eventstream` and a body
// of event-stream messages (prelude, headers, payload, CRCs), encoded here with the SDK's own
// EventStreamCodec: an `initial-response` event (`{}`, as the service sends; the SDK waits for the
// first message before `send()` resolves) and then one `SubscribeToShardEvent` per configured event,
// each a JSON object (Records with base64 Data, ContinuationSequenceNumber, MillisBehindLatest). After
// the last event the server ends the stream, which ends the client's EventStream iterator.
import { once } from 'node:events';
import http2 from 'node:http2';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { testCertificate } from './tls-cert.js';

/** The X-Amz-Target of SubscribeToShard (Kinesis API version 2013-12-02). */
export const SUBSCRIBE_TO_SHARD_TARGET = 'Kinesis_20131202.SubscribeToShard';

/** One Kinesis record as the server sends it. */
export interface ShardRecord {
  /** The record's bytes (base64 on the wire, a Uint8Array in the client's output). */
  data: Uint8Array;
  partitionKey: string;
  sequenceNumber: string;
  /** ApproximateArrivalTimestamp, epoch seconds (awsJson's timestamp format). */
  arrivalEpochSeconds: number;
}

/** One SubscribeToShardEvent message. */
export interface ShardEvent {
  records: ShardRecord[];
  continuationSequenceNumber: string;
  millisBehindLatest: number;
}

/** What the server saw of one request (its own truth, to pin the client against). */
export interface ReceivedSubscribe {
  method: string | undefined;
  path: string | undefined;
  target: string | undefined;
  contentType: string | undefined;
  /** Whether the request was signed (the value itself is never kept). */
  signed: boolean;
  /** The parsed JSON body. */
  body: unknown;
}

/** A running event-stream server. */
export interface EventStreamServer {
  port: number;
  /** `https://localhost:<port>`: a name, as a real endpoint is. */
  endpoint: string;
  /** HTTP/2 sessions (TLS connections with ALPN h2) accepted so far. */
  readonly sessions: number;
  /** ALPN protocols the accepted TLS connections negotiated, in order. */
  readonly alpnProtocols: readonly (string | false | undefined)[];
  /** SubscribeToShard requests received so far. */
  readonly requests: readonly ReceivedSubscribe[];
  /** HTTP/2 sessions open now (accepted and not yet closed). */
  readonly openSessions: number;
  /** SubscribeToShardEvent messages written so far, over all calls. */
  readonly eventsSent: number;
  close(): Promise<void>;
}

/** Options for {@link startEventStreamServer}. */
export interface EventStreamServerOptions {
  /** The SubscribeToShardEvent messages every SubscribeToShard call receives, in order. */
  events: ShardEvent[];
  /** A pause before each SubscribeToShardEvent, ms (default 0): the events arrive as separate DATA frames. */
  gapMs?: number;
  /**
   * After the events, an `exception` message of this modeled type (e.g. `ResourceInUseException`) with
   * `{ message }` as its JSON payload, then the end of the stream: the error the SDK raises from the
   * EventStream iterator, as the service sends one mid-subscription.
   */
  exception?: { type: string; message: string };
  /**
   * Awaited after the initial-response and before the first SubscribeToShardEvent of each call: a test
   * holds the events back until it has checked what happened with only the initial-response sent.
   */
  holdEvents?: () => Promise<void>;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One event-stream message of type `event` with a JSON payload. */
function eventMessage(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** One event-stream message of type `exception` (a modeled error of the event-stream union). */
function exceptionMessage(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function eventPayload(event: ShardEvent): unknown {
  return {
    Records: event.records.map((record) => ({
      Data: Buffer.from(record.data).toString('base64'),
      PartitionKey: record.partitionKey,
      SequenceNumber: record.sequenceNumber,
      ApproximateArrivalTimestamp: record.arrivalEpochSeconds,
    })),
    ContinuationSequenceNumber: event.continuationSequenceNumber,
    MillisBehindLatest: event.millisBehindLatest,
  };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the server on 127.0.0.1; anything but SubscribeToShard gets a 400 awsJson error. */
export async function startEventStreamServer(options: EventStreamServerOptions): Promise<EventStreamServer> {
  const { key, cert } = testCertificate();
  const server = http2.createSecureServer({ key, cert });
  const sessionsOpen = new Set<http2.ServerHttp2Session>();
  const alpnProtocols: (string | false | undefined)[] = [];
  const requests: ReceivedSubscribe[] = [];
  let sessions = 0;
  let eventsSent = 0;

  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions++;
    alpnProtocols.push(session.alpnProtocol);
    sessionsOpen.add(session);
    session.on('error', () => {});
    session.on('close', () => sessionsOpen.delete(session));
  });

  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const received: ReceivedSubscribe = {
        method: headers[':method'],
        path: headers[':path'],
        target: headers['x-amz-target'] as string | undefined,
        contentType: headers['content-type'],
        signed: typeof headers.authorization === 'string',
        body,
      };
      requests.push(received);
      const requestId = `es-${requests.length}`;
      if (received.method !== 'POST' || received.target !== SUBSCRIBE_TO_SHARD_TARGET) {
        stream.respond({
          ':status': 400,
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
        });
        stream.end(JSON.stringify({ __type: 'UnknownOperationException', message: `${received.target}` }));
        return;
      }
      void respondWithEvents(stream, requestId);
    });
  });

  const respondWithEvents = async (stream: http2.ServerHttp2Stream, requestId: string) => {
    stream.respond({
      ':status': 200,
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': requestId,
    });
    stream.write(eventMessage('initial-response', {}));
    if (options.holdEvents) await options.holdEvents();
    for (const event of options.events) {
      if (options.gapMs) await delay(options.gapMs);
      if (stream.destroyed) return;
      stream.write(eventMessage('SubscribeToShardEvent', eventPayload(event)));
      eventsSent++;
    }
    if (options.exception) stream.write(exceptionMessage(options.exception.type, options.exception.message));
    stream.end();
  };

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('event-stream server: no port');
  const port = address.port;

  return {
    port,
    endpoint: `https://localhost:${port}`,
    get sessions() {
      return sessions;
    },
    alpnProtocols,
    requests,
    get openSessions() {
      return sessionsOpen.size;
    },
    get eventsSent() {
      return eventsSent;
    },
    async close() {
      for (const session of sessionsOpen) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
