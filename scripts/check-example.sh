#!/usr/bin/env bash
# Checks of the example app (example/) that run on a Linux machine (no Android SDK, no Xcode):
#   1. types    tsc (strict) on the app, with the library's TypeScript sources.
#   2. smoke    the app's screens in Jest with the library's in-memory mock: start with an
#               endpoint (and an init error), session card, actions, consent, history, flush.
#   3. bundle   Metro release bundles for Android and iOS (`react-native bundle`), each checked:
#               the library's sources are in it, one react and one react-native (the app's own).
# Prints one "ok"/"FAIL" line per check (details above it) and exits non-zero on any failure.
# Building and running the app on a device needs the Android SDK or Xcode: see example/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/example/ensure-example-deps.sh

WORK=target/example-check
mkdir -p "$WORK"
results=()
record() { # status text
  results+=("$(printf '%-4s %s' "$1" "$2")")
}
now_ms() { date +%s%3N; }

ensure_node_modules   # the root's: jest and test-renderer for the smoke test
ensure_example_deps

step "example: types (tsc -p example)"
if example/node_modules/.bin/tsc -p example/tsconfig.json; then
  record ok "types (tsc strict: example/ and the library's src-ts/)"
else
  record FAIL "types (tsc strict: example/ and the library's src-ts/)"
fi

step "example: smoke test (Jest, the library's mock)"
if node_modules/.bin/jest --ci --config scripts/example/jest.config.js; then
  record ok "smoke (the app's screens in Jest with the library's mock)"
else
  record FAIL "smoke (the app's screens in Jest with the library's mock)"
fi

# Metro's transform cache (in the system's temp folder) is reused between runs: a cold run
# takes about 25-30 s per platform on 2 cores, a warm one a few seconds.
bundle() { # platform
  local platform=$1 out=$WORK/$1 start elapsed size
  rm -rf "$out" && mkdir -p "$out"
  step "example: Metro bundle for $platform (release)"
  start=$(now_ms)
  if (cd example && node_modules/.bin/react-native bundle --platform "$platform" --dev false \
        --entry-file index.js --bundle-output "../$out/index.$platform.bundle" --assets-dest "../$out" \
        --sourcemap-output "../$out/index.$platform.bundle.map") >"$out/log" 2>&1 \
     && node scripts/example/check-bundle.js "$out/index.$platform.bundle" "$out/index.$platform.bundle.map"; then
    elapsed=$(( $(now_ms) - start ))
    size=$(wc -c <"$out/index.$platform.bundle")
    record ok "$(printf 'bundle %-7s %s KiB in %d.%d s (%s)' "$platform" $((size / 1024)) $((elapsed / 1000)) $((elapsed % 1000 / 100)) "$out/index.$platform.bundle")"
  else
    grep -v '^\s*$' "$out/log" | tail -30
    record FAIL "bundle $platform (log: $out/log)"
  fi
}
bundle android
bundle ios

echo
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
