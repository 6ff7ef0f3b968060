/** Usage texts of the `wirescope` command and its subcommands. */

/** `wirescope --help`. */
export const TOP_HELP = `Usage: wirescope <command> [options]

Find where the milliseconds of your AWS SDK calls go, from the spans wirescope recorded.

Commands:
  analyze <file…|->          Print findings (connection churn, stale resets, cross-region, …)
  analyze --prometheus <url> The same across a fleet, from the metrics in Prometheus
  check <file…> --budget <f> Hold span counts and findings against a budget (exit 1 when over)
  check --prometheus <url> --budget <f>  Hold the fleet's findings against a budget

Options:
  -h, --help                 Show help (also: wirescope <command> --help)
  -V, --version              Show the version

Inputs: OTLP JSON, OTLP JSON Lines (collector file exporter), OTLP protobuf (an export request, or
the file exporter's format: proto), Tempo and Jaeger api_v3 JSON, Jaeger JSON, Zipkin v2 JSON; gzip
too; - for stdin. Told apart by content, not by file name.
Lenient: metrics and logs records and bad records are skipped and reported; --strict refuses them.
Exit codes: 0 ok, 1 budget exceeded (check), 2 bad usage, unreadable or empty input.
`;

/** `wirescope analyze --help`. */
export const ANALYZE_HELP = `Usage: wirescope analyze <file…|-> [options]
       wirescope analyze --prometheus <url> [--since 1h] [--until <time>] [--service <name>] [options]

Reads spans and prints findings with their cost and fix. Exits 0 after a successful analysis,
whatever it found.

With --prometheus: findings per service (the job label) and endpoint from the wirescope metrics
in Prometheus (or what serves its HTTP API: Thanos, Mimir, Cortex, VictoriaMetrics), aggregated
by PromQL over the window; coverage says which rules the metrics present could judge. Exits 2
when the server cannot be asked or holds no wirescope metric in the window (nothing to judge).

Options:
  -f, --format <format>      text (default), json, markdown or html
  -o, --output <file>        Write the report to <file> instead of stdout
      --caller-region <r>    Region the code ran in, when the spans do not say (e.g. us-west-2)
      --title <title>        Title of the HTML report
      --color / --no-color   Force colour on or off (default: on for a terminal; NO_COLOR, FORCE_COLOR)
      --progress             Show spans read so far on stderr (default: when stderr is a terminal)
      --strict               Exit 2 on any record that would be skipped: a metrics or logs record, a
                             line that is not JSON, a bad span (kind, id, time), a truncated last line
                             (default: skip it, warn with file, line and column, analyze the rest)
      --prometheus <url>     Judge the fleet from Prometheus at <url> instead of files
                             (user:password@ in the URL is sent as Basic auth, never printed)
      --since <duration>     Window of the fleet analysis, e.g. 1h (default), 30m, 1d
      --until <time>         End of the window: RFC 3339 or unix seconds (default: now)
      --service <name>       Only this service (Prometheus job label = OTel service.name)
  -h, --help                 Show this help

Inputs: OTLP JSON and JSON Lines, OTLP protobuf (ExportTraceServiceRequest, file exporter proto),
Tempo ({batches}), Jaeger api_v3 ({result}), Jaeger JSON ({data} or one trace), Zipkin v2 JSON
([spans]); gzip too. Told apart by content, not by file name.

Examples:
  wirescope analyze traces.jsonl
  gunzip -c traces.json.gz | wirescope analyze - --format markdown
  wirescope analyze jaeger-trace.json --format html --output report.html
  wirescope analyze --prometheus http://prometheus:9090 --since 6h --service checkout
`;

/** `wirescope check --help`. */
export const CHECK_HELP = `Usage: wirescope check <file…|-> --budget <file> [options]
       wirescope check --prometheus <url> --budget <file> [--since 1h] [--service <name>]

Holds the spans against a budget and prints each limit with its actual and expected value.
Exits 0 within budget, 1 when a limit is exceeded, a forbidden finding shows up, or a forbidden
finding's rule could judge no call (nothing was checked); 2 when the input holds no spans.

Options:
  -b, --budget <file>        Budget JSON (required), e.g.
                             { "spans": { "tls.handshake": { "max": 2 }, "S3.PutObject": { "min": 1 } },
                               "forbid": ["connection-churn"], "warn": ["slow-handshake"] }
                             Span limits take min, max, exact and warnOnly.
                             "allowUnjudged": true or [codes] lets forbidden codes whose rule
                             judged no call pass with a warning; "minCoverage": 0.9 (or
                             { "<code>": 0.9 }) asks each rule to judge that share of calls.
  -f, --format <format>      text (default) or json
      --caller-region <r>    Region the code ran in, when the spans do not say
      --color / --no-color   Force colour on or off
      --progress             Show spans read so far on stderr
      --strict               Exit 2 on any record that would be skipped (see analyze --help)
      --prometheus <url>     Hold the fleet's findings from Prometheus against the budget's forbid
                             and warn codes; span limits cannot be judged from metrics and show as
                             warnings; --since, --until, --service as for analyze
  -h, --help                 Show this help

Examples:
  wirescope check traces.jsonl --budget wirescope-budget.json
  wirescope check --prometheus http://prometheus:9090 --since 1d --budget wirescope-budget.json
`;
