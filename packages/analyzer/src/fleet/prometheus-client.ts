// A small client of the Prometheus HTTP API's instant queries (`GET /api/v1/query`), which Prometheus,
// Thanos, Mimir, Cortex and VictoriaMetrics all serve. Global fetch, a timeout per query, and every
// failure as one PrometheusError line naming the URL (credentials redacted) and what was wrong.

/** Anything that went wrong asking Prometheus: the CLI prints the message (no stack) and exits 2. */
export class PrometheusError extends Error {
  /** Stable code: `WIRESCOPE_PROMETHEUS`. */
  readonly code = 'WIRESCOPE_PROMETHEUS';
  /** The server's URL, userinfo redacted. */
  readonly url: string;

  constructor(url: string, problem: string) {
    super(`${url}: ${problem}`);
    this.name = 'PrometheusError';
    this.url = url;
  }
}

/** One element of an instant vector: its labels and its value. */
export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

/** Options of {@link createPrometheusClient}. */
export interface PrometheusClientOptions {
  /** Base URL of the API (`http://prometheus:9090`, or with a path prefix); userinfo becomes Basic auth. */
  url: string;
  /** Evaluation time of every query, unix seconds (default: now, as the server sees it). */
  time?: number;
  /** Timeout of one query, ms (default 30 s). */
  timeoutMs?: number;
}

/** A client bound to one server. */
export interface PrometheusClient {
  /** The URL for messages, userinfo redacted. */
  readonly url: string;
  /** Runs an instant query; resolves to its vector. */
  query(expr: string): Promise<VectorSample[]>;
}

/** The URL with any `user:password@` replaced by `***@` (never print credentials). */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username === '' && url.password === '') return url.toString().replace(/\/$/, '');
    url.username = '***';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//***@');
  }
}

const NETWORK_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS)',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection closed',
};

function networkProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code !== undefined) return `${NETWORK_PROBLEMS[code] ?? 'request failed'} (${code})`;
  const message = typeof cause?.message === 'string' ? cause.message : String(error);
  return `request failed (${message.split('\n', 1)[0]})`;
}

interface ApiBody {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function parseVector(url: string, body: ApiBody): VectorSample[] {
  const data = body.data;
  if (data?.resultType !== 'vector' || !Array.isArray(data.result)) {
    throw new PrometheusError(url, `expected an instant vector, got ${String(data?.resultType)}`);
  }
  return (data.result as Array<{ metric?: Record<string, string>; value?: [number, string] }>).map((r) => ({
    labels: r.metric ?? {},
    value: Number(r.value?.[1]),
  }));
}

function short(text: string, most = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > most ? `${line.slice(0, most - 1)}…` : line;
}

/** A client of the server at `options.url`; throws a PrometheusError when the URL is not http(s). */
export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const shown = redactUrl(options.url);
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new PrometheusError(shown, 'not a URL (expected http://host:9090)');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new PrometheusError(shown, `not an http(s) URL (${base.protocol.replace(/:$/, '')})`);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (base.username !== '' || base.password !== '') {
    const user = decodeURIComponent(base.username);
    const password = decodeURIComponent(base.password);
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  const endpoint = `${base.origin}${base.pathname.replace(/\/+$/, '')}/api/v1/query`;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function query(expr: string): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: expr });
    if (options.time !== undefined) params.set('time', String(options.time));
    let response: Response;
    try {
      response = await fetch(`${endpoint}?${params}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new PrometheusError(shown, `cannot reach Prometheus: ${networkProblem(error, timeoutMs)}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new PrometheusError(shown, `the answer broke off: ${networkProblem(error, timeoutMs)}`);
    }
    let body: ApiBody | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && 'status' in parsed) body = parsed as ApiBody;
    } catch {
      body = undefined;
    }
    if (body === undefined) {
      const type = response.headers.get('content-type') ?? 'no content type';
      const what = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw new PrometheusError(
        shown,
        `not a Prometheus HTTP API: GET /api/v1/query answered ${what} with ${type} (${short(text, 40) || 'empty body'})`,
      );
    }
    if (body.status === 'error') {
      throw new PrometheusError(
        shown,
        `Prometheus refused the query (HTTP ${response.status}, ${String(body.errorType)}): ${short(String(body.error), 160)}; query: ${short(expr, 120)}`,
      );
    }
    if (body.status !== 'success' || response.status !== 200) {
      throw new PrometheusError(
        shown,
        `unexpected answer to GET /api/v1/query: HTTP ${response.status}, status ${String(body.status)}`,
      );
    }
    return parseVector(shown, body);
  }

  return { url: shown, query };
}
