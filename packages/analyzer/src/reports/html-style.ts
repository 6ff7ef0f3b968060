/** The HTML report's whole stylesheet: inline, no external assets. */
export const HTML_STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --bg: #fff; --panel: #f6f7f9; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8eb; --muted: #98a2b3; --line: #344054; --bg: #101418; --panel: #181d23; } }
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); } code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.finding { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; background: var(--panel); }
.finding.severity-error { border-left-color: #d92d20; } .finding.severity-warning { border-left-color: #f79009; } .finding.severity-info { border-left-color: #2e90fa; }
.finding h3 { margin: 0; font-size: 1rem; } .finding .cost { float: right; font-weight: 600; }
.finding .summary { margin: .3rem 0; } .finding dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .4rem 0 0; }
.finding dt { color: var(--muted); } .finding dd { margin: 0; }
table.stats { border-collapse: collapse; } table.stats td { padding: .1rem .8rem .1rem 0; } table.stats td.num { text-align: right; font-variant-numeric: tabular-nums; }
.waterfall { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .8rem 0; }
.waterfall h3 { font-size: .9rem; margin: 0 0 .4rem; overflow-wrap: anywhere; }
.waterfall h3 .trace-id { font-weight: 400; font-size: 11px; margin-left: .4rem; } .waterfall h3 .trace-id .mono { font-size: 11px; }
.wf-row { display: grid; grid-template-columns: 320px 1fr; align-items: center; gap: .6rem; min-height: 22px; }
.wf-row.op .wf-label { font-weight: 600; } .wf-row.attempt .wf-label { padding-left: 1rem; }
.wf-track { position: relative; height: 16px; background: repeating-linear-gradient(90deg, transparent 0 9.9%, var(--line) 9.9% 10%); }
.bar, .seg { position: absolute; top: 2px; height: 12px; border-radius: 2px; min-width: 1px; }
.bar.op-bar { background: #98a2b3; opacity: .35; } .bar.attempt-bar { background: #98a2b3; opacity: .5; }
.bar.error { background: #d92d20; opacity: .6; }
.seg-queue { background: #9e77ed; } .seg-dns { background: #12b76a; } .seg-tcp { background: #f79009; }
.seg-tls { background: #d92d20; } .seg-continue { background: #ee46bc; } .seg-ttfb { background: #2e90fa; }
.conn { display: inline-block; border-radius: 3px; padding: 0 .35rem; font-size: 11px; color: #fff; margin-left: .3rem; }
.conn-0 { background: #344054; } .conn-1 { background: #6941c6; } .conn-2 { background: #027a48; } .conn-3 { background: #b54708; }
.conn-4 { background: #175cd3; } .conn-5 { background: #c11574; } .conn-6 { background: #3e4784; } .conn-7 { background: #4e5ba6; }
.wf-row.shared .wf-label::after { content: " ⇄ shared"; color: var(--muted); font-size: 11px; }
.legend span { display: inline-flex; align-items: center; gap: .25rem; margin-right: .8rem; }
.legend .seg { position: static; display: inline-block; width: 14px; height: 10px; }
.chart { margin: .6rem 0 1rem; padding: 0; }
.chart figcaption { margin-bottom: .3rem; }
.cost-row { display: grid; grid-template-columns: minmax(0, 16rem) minmax(0, 1fr) 6rem; align-items: center; gap: .6rem; min-height: 20px; }
.cost-label { color: var(--fg); text-decoration: none; overflow-wrap: anywhere; } .cost-label:hover { text-decoration: underline; }
.cost-track { position: relative; height: 12px; background: var(--panel); border-radius: 2px; }
.cost-bar { position: absolute; left: 0; top: 0; height: 12px; border-radius: 2px; }
.cost-bar.severity-error { background: #d92d20; } .cost-bar.severity-warning { background: #f79009; } .cost-bar.severity-info { background: #2e90fa; }
.cost-value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.host-latency { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .8rem 0; }
.host-latency h3 { font-size: .9rem; margin: 0 0 .4rem; overflow-wrap: anywhere; }
.lat-row { display: grid; grid-template-columns: minmax(0, 16rem) minmax(0, 1fr); align-items: end; gap: .6rem; margin: .2rem 0; }
.lat-label { display: flex; flex-direction: column; font-size: 13px; } .lat-label .muted { font-size: 12px; }
.hist { position: relative; height: 44px; border-bottom: 1px solid var(--line); background: var(--panel); }
.bin { position: absolute; bottom: 0; min-height: 2px; box-sizing: border-box; border: 1px solid var(--bg); border-bottom: 0; }
.bin-new, .key-new { background: #f79009; } .bin-reused, .key-reused { background: #12b76a; }
.median { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px; background: var(--fg); }
.lat-empty { align-self: center; }
.lat-axis { align-items: start; } .axis { position: relative; height: 18px; font-size: 11px; color: var(--muted); }
.tick { position: absolute; top: 2px; white-space: nowrap; font-variant-numeric: tabular-nums; }
.tick-mid { transform: translateX(-50%); } .tick-end { transform: translateX(-100%); }
.tick::before { content: ""; position: absolute; top: -3px; left: 50%; height: 3px; border-left: 1px solid var(--muted); }
.tick-start::before { left: 0; } .tick-end::before { left: auto; right: 0; }
.key { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 .25rem 0 .15rem; vertical-align: -1px; }
.chart-note { margin: .3rem 0 0; }
`;
