#!/usr/bin/env bash
# `npm test`: every check of the repository, as CI runs it on a fresh clone.
# Sets up what it needs itself; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# A fresh clone's run writes about 6.5 GB under target/ (device builds 2 GB, host builds 3 GB,
# the armv7 test build 0.7 GB), plus the Go and npm caches: said up front, since running out
# midway shows only as a compiler's "No space left on device".
free_gb=$(df -Pk . | awk 'NR == 2 { print int($4 / 1048576) }')
if ((free_gb < 8)); then
  echo "npm test: warning: ${free_gb} GB free on this disk; a run from a fresh clone needs about 8 GB. If it fails with 'No space left on device', free space (cargo clean, or remove target/device and target/arm) and run it again." >&2
fi

# Each top-level step is timed; the table is printed at the end, after a failure too, so a
# slow step shows in CI's log (the budget: 35 min from a fresh clone on 2 cores).
_phase_names=() _phase_secs=() _phase_started=$SECONDS
phase() {
  _phase_end
  _phase_names+=("$*")
  _phase_started=$SECONDS
  step "$*"
}
_phase_end() {
  local n=${#_phase_names[@]}
  ((n > ${#_phase_secs[@]})) && _phase_secs+=($((SECONDS - _phase_started)))
  return 0
}
_phase_table() {
  _phase_end
  {
    printf '\n== npm test: seconds per step (total %d s)\n' "$SECONDS"
    local i
    for i in "${!_phase_secs[@]}"; do printf '%5d  %s\n' "${_phase_secs[$i]}" "${_phase_names[$i]:0:100}"; done
  } >&2
}
on_exit _phase_table

phase "Set-up: Rust toolchain, npm ci"
ensure_rust
ensure_node_modules
phase "TypeScript: tsc (strict)"
node_modules/.bin/tsc -p tsconfig.json
phase "Jest: the TypeScript API, hooks and the mock"
node_modules/.bin/jest --ci
phase "Package: bob build (lib/), then what npm would publish"
node_modules/.bin/bob build
node scripts/check-package.js
node scripts/check-web-bundle.js
phase "TypeScript: the JSI host tests against the built package's types"
node_modules/.bin/tsc -p rust/jsi-host/tsconfig.json
phase "cargo fmt --check"
cargo fmt --all -- --check
phase "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
phase "cargo doc, private items included (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --document-private-items --locked --quiet
phase "Device dependency graph (Android, iOS): no C code, no TLS"
bash scripts/device/check-deps.sh
phase "Device library built here (arm64 Android, arm64 iOS): release, warnings as errors, two at a time; exports, imports, linked size; the machine cache, a failed build"
bash scripts/device/check-device.sh aarch64-linux-android aarch64-apple-ios
bash scripts/device/test-build.sh aarch64-linux-android
phase "Engine, telemetry and binding tests on 32-bit ARM (armv7) under qemu-user, doctests included (children through qemu)"
# All but the telemetry kill loop, whose waits are scaled for the emulator (7 min); it runs in
# npm run device, with every suite on aarch64 too.
bash scripts/device/test-arm.sh armv7-unknown-linux-gnueabihf -- \
  -p otel-sessions-engine -p otel-sessions-telemetry -p otel-sessions-jsi \
  -- --skip sigkill_while_recording_and_uploading_loses_nothing_durable
phase "cargo test"
cargo test --workspace --locked
phase "JSI: JavaScript in a real jsi::Runtime against the binding"
bash scripts/test-jsi.sh
phase "Native glue: codegen, React Native symbols (pinned + 0.76.9), autolinking, host-built adapter"
bash scripts/check-native.sh
phase "Prebuilt package (npm pack, all 7 device targets, cached): installed into a scratch app, Gradle, CMake and the podspec use its libraries; symbols, links, xcframework format"
bash scripts/prebuilt/check-pack.sh
phase "Example app: types, smoke test with the mock, Metro bundles for Android and iOS"
bash scripts/check-example.sh
phase "Fresh machine: the demo (timeline checked) and the harness with every install branch taken; no helper outlives a failure"
bash scripts/test-fresh-setup.sh
phase "OpenTelemetry Collector: build (cached), docs/collector.md validated, the app day and a kill loop through it"
bash scripts/test-collector.sh
phase "Torture (short): kills, corrupt files, full disk, clocks, fuzzing, concurrency"
bash scripts/torture.sh --quick
phase "Benchmarks run (npm run bench -- --quick) and write well-formed results (no timing checked)"
bash scripts/bench.sh --quick
node scripts/bench/check-results.js
