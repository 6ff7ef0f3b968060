// Configuration time is the one place a wirescope package throws (issue 13, STYLE 11): the plugin and
// both instrumentations check their options here, with one error, one code and one wording.

/** The `code` of every {@link WirescopeConfigError}: stable across versions and packages. */
export const WIRESCOPE_BAD_OPTION = 'WIRESCOPE_BAD_OPTION';

/**
 * A bad option, thrown when the plugin or an instrumentation is configured (never during a call). The
 * message names the option, what was given (only its type where the value may hold a secret) and what
 * is accepted. Match on `code`, which holds across copies and packages; `instanceof` may not.
 */
export class WirescopeConfigError extends Error {
  /** Always `'WIRESCOPE_BAD_OPTION'`. */
  readonly code = WIRESCOPE_BAD_OPTION;
  /** The option at fault (`'s3KeyPrefixLength'`, `'detectCallerRegion.timeoutMs'`), or `'options'`. */
  readonly option: string;

  /** `message` is the whole sentence; `option` the option's name. */
  constructor(message: string, option: string) {
    super(message);
    this.name = 'WirescopeConfigError';
    this.option = option;
  }
}

/** What one option accepts: a test and the words that tell the user so. */
export interface OptionRule {
  /** What is accepted, and the default: "a non-negative integer (default 0)". */
  readonly accepts: string;
  /** Whether a value passes (`undefined` never reaches it: it means the default). */
  readonly test: (value: unknown) => boolean;
  /** The value may hold a secret (a provider, a URL with credentials): the message gives its type only. */
  readonly secret?: boolean;
}

/** Longest setTimeout delay; a longer one fires at once (Node's TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Rules shared by the plugin and the instrumentations; each names its default in `what`. */
export const rules = {
  boolean: (defaultValue: boolean): OptionRule => ({
    accepts: `true or false (default ${defaultValue})`,
    test: (value) => typeof value === 'boolean',
  }),
  integer: (min: number, what: string): OptionRule => ({
    accepts: `an integer ≥ ${min} (${what})`,
    test: (value) => Number.isSafeInteger(value) && (value as number) >= min,
  }),
  milliseconds: (min: number, what: string): OptionRule => ({
    accepts: `a number of milliseconds from ${min} to ${MAX_TIMER_MS} (${what})`,
    test: (value) => typeof value === 'number' && value >= min && value <= MAX_TIMER_MS,
  }),
  hook: (what: string): OptionRule => ({
    accepts: `a function (${what})`,
    test: (value) => typeof value === 'function',
  }),
};

/**
 * Checks `given` against `rules` and returns a copy of its known fields: `undefined` and `null` read as no
 * options, and a field left `undefined` as its default. Throws a {@link WirescopeConfigError} on a
 * value that is not an object, an unknown key (a typo would otherwise be silently ignored) or a field
 * its rule refuses. `path` prefixes nested options' names (`'detectCallerRegion.'`).
 */
export function checkOptions<T extends object>(
  component: string,
  given: unknown,
  optionRules: Readonly<Record<string, OptionRule>>,
  path = '',
): T {
  const name = path ? path.slice(0, -1) : 'options';
  if (given === undefined || given === null) return {} as T;
  if (typeof given !== 'object' || Array.isArray(given))
    throw new WirescopeConfigError(
      `${component}: ${name} must be an object or left out, got ${describe(given, false)}.`,
      name,
    );
  const known = Object.keys(optionRules);
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const near = known.find((candidate) => isNear(candidate, key));
    throw new WirescopeConfigError(
      `${component}: unknown option ${path}${shorten(key)}${near ? ` (did you mean ${path}${near}?)` : ''}; ` +
        `the options are ${known.map((k) => path + k).join(', ')}.`,
      path + key,
    );
  }
  // A copy, each field read once: a getter cannot hand later readers another value.
  const checked: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(optionRules)) {
    const value = (given as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (!rule.test(value))
      throw new WirescopeConfigError(
        `${component}: option ${path}${key} must be ${rule.accepts}, got ${describe(value, rule.secret === true)}.`,
        path + key,
      );
    checked[key] = value;
  }
  return checked as T;
}

/** The value and its type, or its type alone when it may be a secret. */
function describe(value: unknown, secret: boolean): string {
  const type = typeOf(value);
  if (secret) return type;
  if (typeof value === 'number' || typeof value === 'boolean') return `${String(value)} (${type})`;
  if (typeof value === 'string') return `${JSON.stringify(shorten(value))} (${type})`;
  return type;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Same letters in another case, one letter added, dropped or changed, or a unit left off (`timeout`). */
function isNear(candidate: string, key: string): boolean {
  const a = candidate.toLowerCase();
  const b = key.toLowerCase();
  if (a === b) return true;
  if (Math.min(a.length, b.length) >= 4 && (a.startsWith(b) || b.startsWith(a))) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(i + (a.length >= b.length ? 1 : 0)) === b.slice(i + (b.length >= a.length ? 1 : 0));
}
