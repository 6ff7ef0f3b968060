#!/usr/bin/env node
// Layout guardrails biome does not cover (issue 13), run by `npm run lint` after `biome check .`
// (biome itself refuses `export *`: performance/noReExportAll). Plain node, no dependencies.
//
// 1. File length: a source file under packages/*/src stays within MAX_SOURCE_LINES (STYLE.md 4: split
//    long before 400), a test beside it within MAX_TEST_LINES; longer ones are listed below, each with
//    its reason.
// 2. No imports of another package's internals: a package's code never leaves its own folder by a
//    relative path, nothing outside packages/<name>/ reaches into it by a relative path, and
//    `@wirescope/<name>/<subpath>` is only used for a subpath the package's `exports` declares.
//
// Prints `file:line: message` for each breach and exits 1; exits 0 and prints one line when clean.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_SOURCE_LINES = 400;
const MAX_TEST_LINES = 600;

/** Files allowed past their limit: path from the repository root → [limit, reason]. */
const LONG_FILE_EXCEPTIONS = new Map([]);

/** Imports allowed into another package's internals: `importer → imported` → reason. */
const IMPORT_EXCEPTIONS = new Map([
  [
    'scripts/bench-analyzer.ts → packages/analyzer/src/readers/otlp-proto-schema.ts',
    'the benchmark encodes its protobuf input with the reader’s own schema, which is not public API',
  ],
  [
    'scripts/bench-analyzer.ts → packages/analyzer/src/testing/synthetic-otlp.ts',
    'the benchmark builds its input with the analyzer’s test generator, which is excluded from the build',
  ],
]);

const SOURCE_EXTENSIONS = /\.(?:ts|mts|cts|tsx|js|mjs|cjs)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.turbo', 'fixtures', 'coverage']);
/** Folders whose files are checked for imports (besides every package). */
const OTHER_CODE = ['test', 'bench', 'scripts', 'examples'];

const problems = [];
const usedExceptions = new Set();
const posix = (path) => path.split(sep).join('/');

function* walk(directory) {
  if (!existsSync(directory)) return;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (SOURCE_EXTENSIONS.test(entry.name)) yield path;
  }
}

const packages = readdirSync(join(ROOT, 'packages')).filter((name) =>
  existsSync(join(ROOT, 'packages', name, 'package.json')),
);
const manifests = new Map(
  packages.map((folder) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', folder, 'package.json'), 'utf8'));
    return [manifest.name, { folder, exports: Object.keys(manifest.exports ?? { '.': null }) }];
  }),
);

/** The package folder (`packages/<name>`) a repository path lies in, or undefined. */
function packageOf(path) {
  const match = /^packages\/([^/]+)\//.exec(path);
  return match ? `packages/${match[1]}` : undefined;
}

// 1. File length.
for (const folder of packages) {
  for (const file of walk(join(ROOT, 'packages', folder, 'src'))) {
    const path = posix(relative(ROOT, file));
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    const isTest = /\.test\.[cm]?[jt]sx?$/.test(path);
    const exception = LONG_FILE_EXCEPTIONS.get(path);
    if (exception) usedExceptions.add(path);
    const limit = exception?.[0] ?? (isTest ? MAX_TEST_LINES : MAX_SOURCE_LINES);
    if (lines > limit)
      problems.push(
        `${path}:${limit + 1}: ${lines} lines, over the limit of ${limit} for ${isTest ? 'a test' : 'a source file'}` +
          `${exception ? ' (its listed exception)' : ''}; split it by what each part does (STYLE.md 4), or ` +
          'list it in LONG_FILE_EXCEPTIONS in scripts/check-layout.mjs with the reason',
      );
  }
}

// 2. Imports. Static `import`/`export … from`, side-effect `import '…'` and `import('…')`.
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?\sfrom\s*(['"])([^'"\n]+)\1|(?:^|[\s;])import\s*(['"])([^'"\n]+)\3|\bimport\s*\(\s*(['"])([^'"\n]+)\5\s*\)/g;

function importsOf(text) {
  // Comments blanked (kept the same length, so offsets still give line numbers).
  const code = text.replace(/\/\*[\s\S]*?\*\/|(?<![:'"`\\])\/\/[^\n]*/g, (comment) =>
    comment.replace(/[^\n]/g, ' '),
  );
  const found = [];
  for (const match of code.matchAll(IMPORT)) {
    const specifier = match[2] ?? match[4] ?? match[6];
    found.push({
      specifier,
      line: code.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0),
    });
  }
  return found;
}

/** The file a relative specifier names (`.js` written for a `.ts` source, as TypeScript allows). */
function resolveRelative(fromFile, specifier) {
  const target = resolve(dirname(fromFile), specifier);
  const candidates = [
    target,
    target.replace(/\.([cm]?)js$/, '.$1ts'),
    `${target}.ts`,
    join(target, 'index.ts'),
  ];
  // A file gone (mid-refactor) still gets its source name, so its exception keeps matching.
  return (
    candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? candidates[1]
  );
}

function checkImports(file) {
  const path = posix(relative(ROOT, file));
  const home = packageOf(path);
  for (const { specifier, line } of importsOf(readFileSync(file, 'utf8'))) {
    let problem;
    let target;
    if (specifier.startsWith('.')) {
      target = posix(relative(ROOT, resolveRelative(file, specifier)));
      const targetPackage = packageOf(target);
      if (home && !target.startsWith(`${home}/`))
        problem = `${specifier} leaves ${home}; import another package by its name (@wirescope/…), and only what its index exports`;
      else if (targetPackage && targetPackage !== home)
        problem = `${specifier} reaches into ${targetPackage}; import it by its name (@wirescope/…), and only what its index exports`;
    } else {
      const match = /^(@wirescope\/[^/]+)(\/.+)?$/.exec(specifier);
      const manifest = match && manifests.get(match[1]);
      if (manifest && match[2] && !manifest.exports.includes(`.${match[2]}`)) {
        target = `packages/${manifest.folder}${match[2]}`;
        problem = `${specifier} is not among ${match[1]}'s exports (${manifest.exports.join(', ')}); import what its index exports`;
      }
    }
    if (!problem) continue;
    const key = `${path} → ${target}`;
    if (IMPORT_EXCEPTIONS.has(key)) {
      usedExceptions.add(key);
      continue;
    }
    problems.push(
      `${path}:${line}: ${problem} (or list "${key}" in IMPORT_EXCEPTIONS in scripts/check-layout.mjs with the reason)`,
    );
  }
}

for (const folder of packages) for (const file of walk(join(ROOT, 'packages', folder))) checkImports(file);
for (const folder of OTHER_CODE) for (const file of walk(join(ROOT, folder))) checkImports(file);

// An exception that no longer matches anything is stale: said (not failed, so removing the file it
// excused does not break the lint), so the list gets trimmed and stays true.
for (const key of [...LONG_FILE_EXCEPTIONS.keys(), ...IMPORT_EXCEPTIONS.keys()])
  if (!usedExceptions.has(key))
    console.warn(`scripts/check-layout.mjs: the exception "${key}" matches nothing any more; remove it`);

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`check-layout: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(
  `check-layout: file lengths (source ≤ ${MAX_SOURCE_LINES}, tests ≤ ${MAX_TEST_LINES}, ` +
    `${LONG_FILE_EXCEPTIONS.size} exception) and package boundaries OK`,
);
