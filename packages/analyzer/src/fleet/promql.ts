// PromQL builders: every fleet question is one instant query that aggregates in Prometheus (sum by
// service and endpoint over the window), so what comes back is one number per group, never raw series.
import { FLEET_LABELS } from './prometheus-names.js';

/** What every query is limited to. */
export interface QueryScope {
  /** The window as a Prometheus duration (`1h`, `30m`, `90s`). */
  window: string;
  /** Only this service (`job`), when given. */
  service?: string;
}

const UNITS_S: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

/** Seconds in a Prometheus duration (`1h`, `1h30m`, `90s`), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    seconds += Number(n) * (UNITS_S[unit as string] as number);
  }
  return seconds > 0 ? seconds : undefined;
}

/** A label value as a PromQL string literal (backslash, quote and newline escaped). */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `{job="checkout",wirescope_phase="tls"}`: the service filter and the extra equality matchers. */
export function selector(metric: string, scope: QueryScope, extra: Record<string, string> = {}): string {
  const matchers = Object.entries({
    ...(scope.service !== undefined ? { [FLEET_LABELS.service]: scope.service } : {}),
    ...extra,
  }).map(([label, value]) => `${label}=${quoteLabelValue(value)}`);
  return matchers.length > 0 ? `${metric}{${matchers.join(',')}}` : metric;
}

/** `sum by (job, server_address) (increase(metric{…}[1h]))`: a counter's increase over the window per group. */
export function increaseBy(
  metric: string,
  by: readonly string[],
  scope: QueryScope,
  extra: Record<string, string> = {},
): string {
  return `sum by (${by.join(', ')}) (increase(${selector(metric, scope, extra)}[${scope.window}]))`;
}

/** The step of a gauge subquery: about 60 points over the window, at least 1 s. */
export function subqueryStep(windowS: number): string {
  return `${Math.max(1, Math.round(windowS / 60))}s`;
}

/**
 * `min_over_time((sum by (job) (gauge{…}))[1h:1m])`: the least (or most) a gauge summed per group was
 * over the window, from a subquery (the Java SDK guide's "leased stays at max" needs the least).
 */
export function gaugeOverWindow(
  fn: 'min_over_time' | 'max_over_time' | 'avg_over_time',
  metric: string,
  by: readonly string[],
  scope: QueryScope,
  extra: Record<string, string> = {},
): string {
  const windowS = parseDuration(scope.window) ?? 3600;
  return `${fn}((sum by (${by.join(', ')}) (${selector(metric, scope, extra)}))[${scope.window}:${subqueryStep(windowS)}])`;
}
