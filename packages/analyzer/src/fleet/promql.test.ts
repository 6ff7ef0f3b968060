import { describe, expect, it } from 'vitest';
import { fleetQueries } from './fleet-queries.js';
import { redactUrl } from './prometheus-client.js';
import {
  FLEET_LABELS,
  FLEET_METRICS,
  promHistogram,
  promLabel,
  promMetric,
  sanitizeName,
} from './prometheus-names.js';
import {
  gaugeOverWindow,
  increaseBy,
  parseDuration,
  quoteLabelValue,
  selector,
  subqueryStep,
} from './promql.js';

describe('Prometheus names (as @opentelemetry/exporter-prometheus 0.223 writes them)', () => {
  it('turns dots into underscores, adds _total to counters and no unit suffix', () => {
    expect(sanitizeName('wirescope.connection.phase.duration')).toBe('wirescope_connection_phase_duration');
    expect(promMetric('wirescope.calls', 'counter')).toBe('wirescope_calls_total');
    expect(promMetric('smithy.client.http.connections.usage', 'gauge')).toBe(
      'smithy_client_http_connections_usage',
    );
    expect(promHistogram('http.client.request.time_in_queue')).toEqual({
      bucket: 'http_client_request_time_in_queue_bucket',
      sum: 'http_client_request_time_in_queue_sum',
      count: 'http_client_request_time_in_queue_count',
    });
    expect(promLabel('wirescope.connection.reused')).toBe('wirescope_connection_reused');
    expect(sanitizeName('9lives-x')).toBe('_9lives_x');
  });

  it('names every metric the fleet reads, and the labels it groups by', () => {
    expect(FLEET_METRICS.resets).toBe('wirescope_socket_resets_total');
    expect(FLEET_METRICS.phase.sum).toBe('wirescope_connection_phase_duration_sum');
    expect(FLEET_METRICS.redirects).toBe('wirescope_region_redirects_total');
    expect(FLEET_METRICS.expectContinue.count).toBe('wirescope_expect_continue_duration_count');
    expect(FLEET_LABELS).toMatchObject({
      service: 'job',
      endpoint: 'server_address',
      mismatch: 'wirescope_region_mismatch',
      callerRegion: 'wirescope_caller_region',
      cloudRegion: 'cloud_region',
      endedBy: 'wirescope_expect_continue_ended_by',
    });
  });
});

describe('PromQL builders', () => {
  it('parses Prometheus durations', () => {
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(parseDuration('1 h')).toBeUndefined();
    expect(parseDuration('h')).toBeUndefined();
    expect(parseDuration('0s')).toBeUndefined();
  });

  it('quotes label values', () => {
    expect(quoteLabelValue('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(selector('m', { window: '1h' })).toBe('m');
    expect(selector('m', { window: '1h', service: 'checkout' }, { le: '0' })).toBe(
      'm{job="checkout",le="0"}',
    );
  });

  it('sums increases by service and endpoint over the window', () => {
    expect(
      increaseBy('wirescope_attempts_total', ['job', 'server_address'], { window: '1h', service: 'x' }),
    ).toBe('sum by (job, server_address) (increase(wirescope_attempts_total{job="x"}[1h]))');
  });

  it('takes the least or most of a summed gauge from a subquery, about 60 steps over the window', () => {
    expect(subqueryStep(3600)).toBe('60s');
    expect(subqueryStep(30)).toBe('1s');
    expect(
      gaugeOverWindow(
        'min_over_time',
        'smithy_client_http_connections_usage',
        ['job', 'instance'],
        { window: '1h' },
        { state: 'acquired' },
      ),
    ).toBe(
      'min_over_time((sum by (job, instance) (smithy_client_http_connections_usage{state="acquired"}))[1h:60s])',
    );
  });

  it('asks 30 questions, each an aggregate, every one limited to the service', () => {
    const queries = Object.values(fleetQueries({ window: '2h', service: 'api' }));
    expect(queries).toHaveLength(30);
    for (const q of queries) {
      expect(q).toMatch(/^(sum by|count by|min_over_time|max_over_time)/);
      expect(q).toContain('job="api"');
      expect(q).toContain('[2h');
    }
  });
});

describe('redactUrl', () => {
  it('never shows userinfo', () => {
    expect(redactUrl('http://alice:s3cret@prom:9090/')).toBe('http://***@prom:9090');
    expect(redactUrl('https://prom.example/api/prom')).toBe('https://prom.example/api/prom');
    expect(redactUrl('not a url://bob:pw@x')).toBe('not a url://***@x');
  });
});
