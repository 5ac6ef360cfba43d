#!/usr/bin/env bash
# `npm run bench [-- --quick]`: what users of a monitoring SDK care about, each figure beside a
# peer or baseline measured in the same run: criterion benchmarks of the engine and the telemetry
# pipeline, JavaScript in the Linux JSI host (ours vs OpenTelemetry JS peers, start-up, memory),
# and the size of the stripped library (x86_64 here, and per Android ABI built for the device), and
# of the npm package with its prebuilt libraries. Writes target/bench/results.json and prints a table.
# --quick: tiny samples (for `npm test`, which only checks the results are well-formed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

quick=()
[[ "${1:-}" == "--quick" ]] && quick=(--quick)
ensure_rust
ensure_jsc
ensure_node_modules
mkdir -p target/bench

step "criterion: the engine"
cargo bench --quiet --locked -p otel-sessions-engine --bench engine -- "${quick[@]}" | grep -E '^[a-z].*time:|time:' || true
step "criterion: stamping and the pipeline, against the same SDK pipeline without it"
cargo bench --quiet --locked -p otel-sessions-telemetry --bench stamping -- "${quick[@]}" | grep -E 'time:|thrpt:' || true

step "JavaScript in the Linux JSI host (release build)"
host=$(bash scripts/build-jsi-host.sh --release)
node scripts/bench/run-host.js --host "$host" --out target/bench "${quick[@]}"

step "size: the C ABI as a stripped shared library (x86_64)"
cargo build --quiet --locked --release -p otel-sessions-jsi --example size_cdylib
cp target/release/examples/libsize_cdylib.so target/bench/libotel_sessions.so
strip target/bench/libotel_sessions.so
rm -f target/bench/bloat.json
if [[ ${#quick[@]} -eq 0 ]]; then
  command -v cargo-bloat >/dev/null || cargo install --quiet --locked cargo-bloat
  cargo bloat --locked --release -p otel-sessions-jsi --example size_cdylib --crates -n 0 --message-format json > target/bench/bloat.json
fi

step "size per Android ABI: the device library linked as the NDK build keeps it, stripped (scripts/device)"
# --quick (npm test): arm64-v8a only, which npm test's device step has just built (cached).
if [[ ${#quick[@]} -eq 0 ]]; then abis=(android); else abis=(aarch64-linux-android); fi
bash scripts/device/check-device.sh "${abis[@]}"

# --quick (npm test): scripts/prebuilt/check-pack.sh has just packed the package and linked its
# libraries. A full run packs it again (all 7 device targets, cached on their inputs).
if [[ ${#quick[@]} -eq 0 ]]; then
  step "the npm package with its prebuilt libraries: packed and unpacked sizes (scripts/prebuilt/check-pack.sh)"
  bash scripts/prebuilt/check-pack.sh >&2
fi

node scripts/bench/collect.js "${quick[@]}"
