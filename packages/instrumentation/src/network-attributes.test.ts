import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  dnsLookupAttributes,
  linkToConnection,
  MAX_DNS_ANSWERS,
  socketConnectAttributes,
} from './network-attributes.js';

describe('the OpenTelemetry network attributes of phase spans', () => {
  it('dns.lookup: the name twice, the answers bounded at 8', () => {
    expect(dnsLookupAttributes('s3.amazonaws.com')).toEqual({
      'server.address': 's3.amazonaws.com',
      'dns.question.name': 's3.amazonaws.com',
    });
    const nine = Array.from({ length: 9 }, (_, i) => `10.0.0.${i}`);
    expect(MAX_DNS_ANSWERS).toBe(8);
    expect(dnsLookupAttributes('h', nine)['dns.answers']).toEqual(nine.slice(0, 8));
    expect(dnsLookupAttributes('h', [])).not.toHaveProperty('dns.answers');
  });

  it('tcp.connect: peer, transport tcp, and the network type from the address', () => {
    expect(socketConnectAttributes('10.1.2.3', 443)).toEqual({
      'network.transport': 'tcp',
      'network.peer.address': '10.1.2.3',
      'network.type': 'ipv4',
      'network.peer.port': 443,
    });
    expect(socketConnectAttributes('::1', 8443)['network.type']).toBe('ipv6');
    expect(socketConnectAttributes(undefined, undefined)).toEqual({ 'network.transport': 'tcp' });
  });
});

describe('linkToConnection', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
    't',
  );

  it('links the attempt to the set-up span, naming the connection', () => {
    exporter.reset();
    const setup = tracer.startSpan('tcp.connect');
    setup.end();
    const attempt = tracer.startSpan('S3.GetObject attempt');
    linkToConnection(attempt, setup.spanContext(), 'c1-7');
    attempt.end();
    const [, ended] = exporter.getFinishedSpans();
    expect(ended?.links).toEqual([
      { context: setup.spanContext(), attributes: { 'wirescope.connection.id': 'c1-7' } },
    ]);
  });

  it('no set-up span known, or an API without addLink: nothing linked, nothing thrown', () => {
    exporter.reset();
    const attempt = tracer.startSpan('a');
    linkToConnection(attempt, undefined, 'c1-1');
    attempt.end();
    expect(exporter.getFinishedSpans()[0]?.links).toEqual([]);
    const old = { spanContext: () => attempt.spanContext() } as unknown as Parameters<
      typeof linkToConnection
    >[0];
    expect(() => linkToConnection(old, attempt.spanContext(), 'c1-1')).not.toThrow();
  });
});
