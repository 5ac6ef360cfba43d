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

ensure_rust
ensure_node_modules
step "TypeScript: tsc (strict)"
node_modules/.bin/tsc -p tsconfig.json
step "Jest: the TypeScript API, hooks and the mock"
node_modules/.bin/jest --ci
step "Package: bob build (lib/), then what npm would publish"
node_modules/.bin/bob build
node scripts/check-package.js
node scripts/check-web-bundle.js
step "TypeScript: the JSI host tests against the built package's types"
node_modules/.bin/tsc -p rust/jsi-host/tsconfig.json
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
step "Device dependency graph (Android, iOS): no C code, no TLS"
bash scripts/device/check-deps.sh
step "Device library built here (arm64 Android, arm64 iOS): release, warnings as errors; exports, imports, linked size"
bash scripts/device/check-device.sh aarch64-linux-android aarch64-apple-ios
step "Engine, telemetry and binding tests on 32-bit ARM (armv7) under qemu-user, doctests included (children through qemu)"
# All but the telemetry kill loop, whose waits are scaled for the emulator (7 min); it runs in
# npm run device, with every suite on aarch64 too.
bash scripts/device/test-arm.sh armv7-unknown-linux-gnueabihf -- \
  -p otel-sessions-engine -p otel-sessions-telemetry -p otel-sessions-jsi \
  -- --skip sigkill_while_recording_and_uploading_loses_nothing_durable
step "cargo test"
cargo test --workspace --locked
step "JSI: JavaScript in a real jsi::Runtime against the binding"
bash scripts/test-jsi.sh
step "Native glue: codegen, React Native symbols (pinned + 0.76.9), autolinking, host-built adapter"
bash scripts/check-native.sh
step "Prebuilt package (npm pack, all 7 device targets, cached): installed into a scratch app, Gradle, CMake and the podspec use its libraries; symbols, links, xcframework format"
bash scripts/prebuilt/check-pack.sh
step "Example app: types, smoke test with the mock, Metro bundles for Android and iOS"
bash scripts/check-example.sh
step "Fresh machine: the demo (timeline checked) and the harness with every install branch taken; no helper outlives a failure"
bash scripts/test-fresh-setup.sh
step "OpenTelemetry Collector: build (cached), docs/collector.md validated, the app day and a kill loop through it"
bash scripts/test-collector.sh
step "Torture (short): kills, corrupt files, full disk, clocks, fuzzing, concurrency"
bash scripts/torture.sh --quick
step "Benchmarks run (npm run bench -- --quick) and write well-formed results (no timing checked)"
bash scripts/bench.sh --quick
node scripts/bench/check-results.js
