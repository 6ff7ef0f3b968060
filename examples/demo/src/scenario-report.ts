// What the demo prints: a short table (one row per scenario: the finding it shows, that finding's cost
// before and after the fix, the p50 per call before and after), then each scenario's findings, before
// and after, with their fixes. Each run's findings come from that run's spans alone.
import type { Finding } from '@wirescope/analyzer';
import { alignRows, costOf, ms, p50, type RunRecord } from './latency-table.js';
import type { Scenario } from './types.js';

const WIDTH = 100;

/** Names the local ports in a finding's text (`localhost:41235` → `the us-west-2 stand-in`). */
export type HostNamer = (text: string) => string;

/** Words of `text` wrapped to `width`, each line after the first indented by `indent`. */
function wrap(text: string, first: string, indent: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function runOf(runs: readonly RunRecord[], id: string, variant: 'before' | 'after') {
  return runs.find((r) => r.scenario === id && r.variant === variant);
}

function p50Text(run: RunRecord | undefined): string {
  if (!run) return '—';
  if (run.error) return 'failed';
  // A failed call ends fast: its latency in the p50 flatters the run, so say how many there were.
  const failed = run.failedCalls > 0 ? ` (${run.failedCalls} failed)` : '';
  return `${ms(p50(run.latenciesMs))}${failed}`;
}

/** The summary table: short, aligned, one row per scenario. */
export function formatSummaryTable(scenarios: readonly Scenario[], runs: readonly RunRecord[]): string {
  const rows: string[][] = [
    ['scenario', 'finding it shows', 'its cost: before → after', 'p50/call: before → after'],
  ];
  for (const s of scenarios) {
    const before = runOf(runs, s.id, 'before');
    if (!before) continue;
    const after = runOf(runs, s.id, 'after');
    let cost = '—';
    if (s.shows) {
      const b = costOf(before, s.shows);
      const a = costOf(after, s.shows);
      const bText = b === undefined ? 'not found' : ms(b);
      cost = after ? `${bText} → ${a === undefined ? 'gone' : ms(a)}` : bText;
    } else {
      cost = before.findings.length === 0 ? 'no findings' : `${before.findings.length} findings`;
    }
    const latency = after ? `${p50Text(before)} → ${p50Text(after)}` : p50Text(before);
    rows.push([s.id, s.shows ?? 'none (baseline)', cost, latency]);
  }
  return alignRows(rows, 2).join('\n');
}

function findingLines(finding: Finding, names: HostNamer, withFix: boolean): string[] {
  const head = `    ${finding.severity.padEnd(7)} ${finding.code}  ${ms(finding.costMs)}: `;
  const lines = wrap(names(finding.summary), head, '      ');
  if (withFix) lines.push(...wrap(names(finding.fix), '      fix: ', '           '));
  return lines;
}

function variantLines(
  scenario: Scenario,
  run: RunRecord,
  names: HostNamer,
  fixesShown: Set<string>,
): string[] {
  const calls = run.latenciesMs.length;
  const failed = run.failedCalls > 0 ? `, ${run.failedCalls} failed` : '';
  const measured = run.error
    ? `failed: ${run.error}`
    : `${calls} ${calls === 1 ? 'call' : 'calls'}${failed}, p50 ${ms(p50(run.latenciesMs))}`;
  const variant = run.variant === 'before' ? scenario.before : scenario.after;
  const lines = wrap(
    `${variant?.label ?? run.label} (${measured})`,
    `  ${run.variant.padEnd(6)}  `,
    '          ',
  );
  if (run.findings.length === 0) lines.push('    no findings');
  // The scenario's own finding first, then the others by cost.
  const ordered = [...run.findings].sort(
    (a, b) => Number(b.code === scenario.shows) - Number(a.code === scenario.shows) || b.costMs - a.costMs,
  );
  for (const finding of ordered) {
    lines.push(...findingLines(finding, names, !fixesShown.has(finding.code)));
    fixesShown.add(finding.code);
  }
  return lines;
}

/** Each scenario: its title and field report, then its runs with their findings (a fix printed once per code). */
export function formatScenarioDetails(
  scenarios: readonly Scenario[],
  runs: readonly RunRecord[],
  notes: ReadonlyMap<string, string>,
  names: HostNamer,
): string {
  const out: string[] = [];
  for (const s of scenarios) {
    const before = runOf(runs, s.id, 'before');
    if (!before) continue;
    const after = runOf(runs, s.id, 'after');
    const seed = s.seed ? ` (field report ${s.seed})` : '';
    out.push('', ...wrap(`${s.id}: ${s.title}${seed}`, '', '  '));
    const fixesShown = new Set<string>();
    out.push(...variantLines(s, before, names, fixesShown));
    if (after) out.push(...variantLines(s, after, names, fixesShown));
    else out.push(`  after   ${notes.get(s.id) ?? 'none'}`);
  }
  return out.join('\n');
}
