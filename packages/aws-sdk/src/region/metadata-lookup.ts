import http from 'node:http';
import { createContextKey, context as otelContext } from '@opentelemetry/api';
import { isRegionName } from '@wirescope/semconv';
import { log } from '../guard.js';
import { regionFromArn, regionFromAvailabilityZone } from './region-name.js';

/** Where and how long to look for the caller's region in the EC2 / ECS metadata services. */
export interface MetadataLookupOptions {
  /** Base URL of the EC2 instance metadata service (IMDS). */
  imdsEndpoint: string;
  /** Base URL of the ECS task metadata service (v4), when the code runs in an ECS task. */
  ecsEndpoint: string | undefined;
  /** Give up after this many milliseconds in total. */
  timeoutMs: number;
}

/** Default IMDS endpoint (the SDK honours `AWS_EC2_METADATA_SERVICE_ENDPOINT` too). */
export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
/** Default time budget of the whole lookup. */
export const DEFAULT_METADATA_TIMEOUT_MS = 1000;

const IMDS_TOKEN_TTL_SECONDS = '60';
const MAX_BODY_BYTES = 1 << 20;

// @opentelemetry/core's suppressTracing key. createContextKey uses Symbol.for, so this is the very
// same key without depending on the SDK: OpenTelemetry's own http instrumentation then records no
// span for our lookup.
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/**
 * Asks the ECS task metadata service (task ARN, else availability zone), then the EC2 instance
 * metadata service (IMDSv2: PUT a token, GET `/latest/meta-data/placement/region`) for the region
 * this process runs in. Never rejects: any failure or the timeout resolves undefined (logged via diag).
 */
export async function lookUpCallerRegion(options: MetadataLookupOptions): Promise<string | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  return otelContext.with(otelContext.active().setValue(SUPPRESS_TRACING_KEY, true), async () => {
    if (options.ecsEndpoint) {
      try {
        const region = await ecsRegion(options.ecsEndpoint, deadline);
        if (region) return region;
      } catch (error) {
        log.debug(`ECS task metadata gave no region (${describe(error)})`);
      }
    }
    try {
      return await imdsRegion(options.imdsEndpoint, deadline);
    } catch (error) {
      log.debug(`EC2 instance metadata gave no region (${describe(error)})`);
      return undefined;
    }
  });
}

async function ecsRegion(endpoint: string, deadline: number): Promise<string | undefined> {
  const response = await request('GET', `${endpoint.replace(/\/+$/, '')}/task`, {}, deadline);
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  const task = JSON.parse(response.body) as { TaskARN?: unknown; AvailabilityZone?: unknown };
  return regionFromArn(task.TaskARN) ?? regionFromAvailabilityZone(task.AvailabilityZone);
}

async function imdsRegion(endpoint: string, deadline: number): Promise<string | undefined> {
  const base = endpoint.replace(/\/+$/, '');
  const token = await request(
    'PUT',
    `${base}/latest/api/token`,
    { 'x-aws-ec2-metadata-token-ttl-seconds': IMDS_TOKEN_TTL_SECONDS },
    deadline,
  );
  const headers: Record<string, string> = {};
  if (token.status === 200) headers['x-aws-ec2-metadata-token'] = token.body.trim();
  // 403/404/405: an IMDSv1-only service (as the SDK's own IMDS client, fall back to no token).
  else if (![403, 404, 405].includes(token.status)) throw new Error(`token: HTTP ${token.status}`);
  const response = await request('GET', `${base}/latest/meta-data/placement/region`, headers, deadline);
  if (response.status !== 200) throw new Error(`region: HTTP ${response.status}`);
  const region = response.body.trim();
  return isRegionName(region) ? region : undefined;
}

interface SmallResponse {
  status: number;
  body: string;
}

// A bare node:http request with its own one-off agent: no pooled socket outlives the lookup, and the
// socket and timer are unref'd so the lookup never keeps the process alive.
function request(
  method: string,
  url: string,
  headers: Record<string, string>,
  deadline: number,
): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      reject(new Error('timed out'));
      return;
    }
    let settled = false;
    const settle = (error: Error | undefined, response?: SmallResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (response) resolve(response);
      else reject(error ?? new Error('no response'));
    };
    const req = http.request(url, { method, headers, agent: false });
    const timer = setTimeout(() => {
      settle(new Error('timed out'));
      req.destroy();
    }, remaining);
    timer.unref();
    req.on('socket', (socket) => socket.unref());
    req.on('error', (error) => settle(error));
    req.on('close', () => settle(new Error('closed before a response')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        else {
          settle(new Error('response too large'));
          req.destroy();
        }
      });
      res.on('end', () =>
        settle(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', (error) => settle(error));
    });
    req.end();
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
