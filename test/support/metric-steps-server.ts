// A /metrics endpoint that serves fixed samples with explicit timestamps, one step per scrape (the
// last step again once they run out), so a real Prometheus stores exactly the series a test chose:
// with the window from the first to the last timestamp, increase() is the exact difference.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One series: its name, labels, and its value at each step. */
export interface StepSeries {
  name: string;
  labels?: Record<string, string>;
  values: number[];
}

/** A running metrics endpoint. */
export interface StepServer {
  /** `127.0.0.1:PORT`, for a scrape config. */
  target: string;
  /** Scrapes answered so far. */
  scrapes(): number;
  close(): Promise<void>;
}

/** `[0, …, final]` over `steps` steps, whole numbers rising evenly (a counter from its start). */
export function ramp(final: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) =>
    i === steps - 1
      ? final
      : Number.isInteger(final)
        ? Math.floor((final * i) / (steps - 1))
        : (final * i) / (steps - 1),
  );
}

/** A counter series rising from 0 to `final`. */
export function counter(
  name: string,
  labels: Record<string, string>,
  final: number,
  steps: number,
): StepSeries {
  return { name, labels, values: ramp(final, steps) };
}

/** A gauge series holding `values` (one per step; a single value is held at every step). */
export function gauge(
  name: string,
  labels: Record<string, string>,
  values: number[],
  steps: number,
): StepSeries {
  return { name, labels, values: values.length === 1 ? Array(steps).fill(values[0]) : values };
}

/** Second-scale bucket bounds, as a producer with explicit boundaries would have them. */
export const SECONDS_BUCKETS = [0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram's `_bucket`, `_sum` and `_count` series, rising from nothing to `observations` (seconds). */
export function histogram(
  name: string,
  labels: Record<string, string>,
  observations: number[],
  steps: number,
  bounds: number[] = SECONDS_BUCKETS,
): StepSeries[] {
  const buckets = [...bounds.map(String), '+Inf'].map((le, i) => {
    const bound = i < bounds.length ? (bounds[i] as number) : Number.POSITIVE_INFINITY;
    return counter(`${name}_bucket`, { ...labels, le }, observations.filter((o) => o <= bound).length, steps);
  });
  const sum = observations.reduce((t, o) => t + o, 0);
  return [
    ...buckets,
    counter(`${name}_sum`, labels, sum, steps),
    counter(`${name}_count`, labels, observations.length, steps),
  ];
}

function line(series: StepSeries, value: number, timestampMs: number): string {
  const labels = Object.entries(series.labels ?? {})
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
  return `${series.name}${labels ? `{${labels}}` : ''} ${value} ${timestampMs}`;
}

/** Serves `series` at `timestampsMs[i]` on the i-th scrape (the last step after that). */
export async function serveMetricSteps(series: StepSeries[], timestampsMs: number[]): Promise<StepServer> {
  let scrapes = 0;
  const server = createServer((_request, response) => {
    const step = Math.min(scrapes, timestampsMs.length - 1);
    scrapes++;
    const ts = timestampsMs[step] as number;
    const body = series.map((s) => line(s, s.values[Math.min(step, s.values.length - 1)] as number, ts));
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`${body.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    scrapes: () => scrapes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
