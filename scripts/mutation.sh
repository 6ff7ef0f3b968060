#!/usr/bin/env bash
# Mutation testing with StrykerJS (issue 19), one run per scope: producer, rules, readers, budget, cli
# (default: all five). Slow (minutes per scope), so not part of `npm test`; incremental, so a re-run only tests
# the mutants whose code or tests changed. Config: stryker.config.mjs; results: bench/MUTATION.md.
#   npm run mutation                # every scope
#   npm run mutation -- rules cli   # some scopes (rules-region, rules-connection: the rules in two halves)
#   npm run mutation -- --force cli # ignore the incremental file, test every mutant again
set -euo pipefail
cd "$(dirname "$0")/.."

extra=()
scopes=()
for arg in "$@"; do
  case "$arg" in
    --*) extra+=("$arg") ;;
    *) scopes+=("$arg") ;;
  esac
done
[ ${#scopes[@]} -gt 0 ] || scopes=(producer rules readers budget cli)

for scope in "${scopes[@]}"; do
  echo "== mutation scope: $scope"
  WIRESCOPE_MUTATION_SCOPE="$scope" npx stryker run stryker.config.mjs "${extra[@]}"
done
