import type { BenchConfig, BenchHandler } from './run-args.js';

/** One line of the benchmark table (medians). */
export interface Row {
  handler: BenchHandler;
  protocol: 'http' | 'https';
  config: BenchConfig;
  callsPerSecond: number;
  bareCallsPerSecond: number;
  cpuMicrosPerCall: number;
  bareCpuMicrosPerCall: number;
  heapMb: number;
  spansPerCall: number;
  /** Median CPU µs per call of `otel-contrib` on the same handler and protocol, when it ran. */
  contribCpuMicrosPerCall: number | undefined;
}

const HEADERS = [
  'handler',
  'proto',
  'configuration',
  'calls/s',
  '× bare',
  'CPU µs/call',
  'Δ µs',
  'Δ/contrib Δ',
  'heap MB',
  'spans/call',
];

/** The rows as an aligned text table, or a Markdown table. */
export function formatTable(rows: readonly Row[], markdown: boolean): string {
  const cells = rows.map((row) => [
    row.handler,
    row.protocol,
    row.config,
    row.callsPerSecond.toFixed(0),
    `${(row.callsPerSecond / row.bareCallsPerSecond).toFixed(3)}×`,
    row.cpuMicrosPerCall.toFixed(0),
    row.config === 'bare' ? '—' : signed(row.cpuMicrosPerCall - row.bareCpuMicrosPerCall),
    contribRatio(row),
    row.heapMb.toFixed(1),
    row.spansPerCall.toFixed(1),
  ]);
  if (markdown) {
    const line = (values: readonly string[]) => `| ${values.join(' | ')} |`;
    return [line(HEADERS), line(HEADERS.map((_, i) => (i < 3 ? '---' : '---:'))), ...cells.map(line)].join(
      '\n',
    );
  }
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (i < 3 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Added CPU per call against otel-contrib's (the OTel aws-sdk + http pair's) on the same cell. */
function contribRatio(row: Row): string {
  if (row.config === 'bare' || row.contribCpuMicrosPerCall === undefined) return '—';
  const contrib = row.contribCpuMicrosPerCall - row.bareCpuMicrosPerCall;
  if (contrib <= 0) return '—';
  return `${((row.cpuMicrosPerCall - row.bareCpuMicrosPerCall) / contrib).toFixed(2)}×`;
}

function signed(value: number): string {
  const rounded = Math.round(value);
  return rounded > 0 ? `+${rounded}` : String(rounded);
}
