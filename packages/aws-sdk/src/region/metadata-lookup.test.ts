import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callerRegionFromEnv, resolveMetadataLookup, startCallerRegionDetection } from './caller-region.js';
import { lookUpCallerRegion } from './metadata-lookup.js';

interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

const servers: http.Server[] = [];

async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ endpoint: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

// A fake IMDSv2: a token for PUT /latest/api/token, the region for a GET that presents it.
function imds(region: string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (!req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void res.writeHead(400).end();
      return void res.end('TOKEN-abc');
    }
    if (req.method === 'GET' && req.url === '/latest/meta-data/placement/region') {
      if (req.headers['x-aws-ec2-metadata-token'] !== 'TOKEN-abc') return void res.writeHead(401).end();
      return void res.end(region);
    }
    res.writeHead(404).end();
  };
}

// A port nothing listens on: bind, read the port, close.
async function closedPortEndpoint(): Promise<string> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('lookUpCallerRegion (loopback metadata servers)', () => {
  it('IMDSv2: puts a token request with a TTL, then gets the region with the token', async () => {
    const { endpoint, seen } = await startServer(imds('ap-south-1'));
    const region = await lookUpCallerRegion({
      imdsEndpoint: endpoint,
      ecsEndpoint: undefined,
      timeoutMs: 2000,
    });
    expect(region).toBe('ap-south-1');
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/meta-data/placement/region',
    ]);
    expect(seen[0]?.headers['x-aws-ec2-metadata-token-ttl-seconds']).toMatch(/^\d+$/);
  });

  it('falls back to IMDSv1 when the token endpoint answers 404', async () => {
    const { endpoint } = await startServer((req, res) => {
      if (req.method === 'GET' && req.url === '/latest/meta-data/placement/region')
        return void res.end('eu-west-2');
      res.writeHead(404).end();
    });
    const region = await lookUpCallerRegion({
      imdsEndpoint: endpoint,
      ecsEndpoint: undefined,
      timeoutMs: 2000,
    });
    expect(region).toBe('eu-west-2');
  });

  it('ECS: the task ARN names the region', async () => {
    const { endpoint, seen } = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          TaskARN: 'arn:aws:ecs:us-west-2:123456789012:task/default/0123abcd',
          AvailabilityZone: 'us-west-2b',
        }),
      );
    });
    const region = await lookUpCallerRegion({
      imdsEndpoint: 'http://127.0.0.1:1',
      ecsEndpoint: `${endpoint}/v4/abc-123`,
      timeoutMs: 2000,
    });
    expect(region).toBe('us-west-2');
    expect(seen.map((r) => r.url)).toEqual(['/v4/abc-123/task']);
  });

  it('ECS: the availability zone names the region when the task has no ARN', async () => {
    const { endpoint } = await startServer((_req, res) =>
      res.end(JSON.stringify({ AvailabilityZone: 'eu-north-1c' })),
    );
    const region = await lookUpCallerRegion({
      imdsEndpoint: 'http://127.0.0.1:1',
      ecsEndpoint: endpoint,
      timeoutMs: 2000,
    });
    expect(region).toBe('eu-north-1');
  });

  it('slow: gives up after the timeout and resolves undefined', async () => {
    // The server accepts but never answers.
    const { endpoint } = await startServer(() => undefined);
    const started = performance.now();
    const region = await lookUpCallerRegion({
      imdsEndpoint: endpoint,
      ecsEndpoint: undefined,
      timeoutMs: 200,
    });
    const elapsed = performance.now() - started;
    expect(region).toBeUndefined();
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3000);
  });

  it('absent: a refused connection resolves undefined quickly', async () => {
    const endpoint = await closedPortEndpoint();
    const started = performance.now();
    const region = await lookUpCallerRegion({
      imdsEndpoint: endpoint,
      ecsEndpoint: undefined,
      timeoutMs: 5000,
    });
    expect(region).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a malformed answer is no region', async () => {
    const { endpoint } = await startServer((req, res) => {
      if (req.method === 'PUT') return void res.end('T');
      res.end('<html>captive portal</html>');
    });
    const region = await lookUpCallerRegion({
      imdsEndpoint: endpoint,
      ecsEndpoint: undefined,
      timeoutMs: 2000,
    });
    expect(region).toBeUndefined();
  });
});

describe('startCallerRegionDetection', () => {
  it('runs once per endpoint: a second start shares the first lookup', async () => {
    const { endpoint, seen } = await startServer(imds('ca-central-1'));
    const options = { imdsEndpoint: endpoint, ecsEndpoint: undefined, timeoutMs: 2000 };
    const first = startCallerRegionDetection(options);
    expect(first.region).toBeUndefined();
    const second = startCallerRegionDetection({ ...options });
    expect(second).toBe(first);
    expect(await first.done).toBe('ca-central-1');
    expect(first.region).toBe('ca-central-1');
    expect(seen).toHaveLength(2);
  });
});

describe('callerRegionFromEnv', () => {
  it('prefers AWS_REGION, then AWS_DEFAULT_REGION, ignores empty values', () => {
    expect(callerRegionFromEnv({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-1' })).toBe(
      'us-east-1',
    );
    expect(callerRegionFromEnv({ AWS_DEFAULT_REGION: 'eu-west-1' })).toBe('eu-west-1');
    expect(callerRegionFromEnv({ AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-1' })).toBe('eu-west-1');
    expect(callerRegionFromEnv({})).toBeUndefined();
  });
});

describe('resolveMetadataLookup', () => {
  it('is off unless asked for', () => {
    expect(resolveMetadataLookup(undefined, {})).toBeUndefined();
    expect(resolveMetadataLookup(false, {})).toBeUndefined();
  });

  it('true: default IMDS endpoint and timeout; ECS endpoint from the environment', () => {
    expect(resolveMetadataLookup(true, {})).toEqual({
      imdsEndpoint: 'http://169.254.169.254',
      ecsEndpoint: undefined,
      timeoutMs: 1000,
    });
    expect(
      resolveMetadataLookup(true, {
        ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/x',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://[fd00:ec2::254]',
      }),
    ).toEqual({
      imdsEndpoint: 'http://[fd00:ec2::254]',
      ecsEndpoint: 'http://169.254.170.2/v4/x',
      timeoutMs: 1000,
    });
  });

  it('an object sets the endpoint and the timeout; a bad timeout falls back to the default', () => {
    expect(resolveMetadataLookup({ endpoint: 'http://127.0.0.1:9', timeoutMs: 50 }, {})).toEqual({
      imdsEndpoint: 'http://127.0.0.1:9',
      ecsEndpoint: undefined,
      timeoutMs: 50,
    });
    expect(resolveMetadataLookup({ timeoutMs: -1 }, {})?.timeoutMs).toBe(1000);
  });

  it('AWS_EC2_METADATA_DISABLED=true turns IMDS off when there is nothing else to ask', () => {
    expect(resolveMetadataLookup(true, { AWS_EC2_METADATA_DISABLED: 'true' })).toBeUndefined();
  });
});
