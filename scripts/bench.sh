#!/usr/bin/env bash
# `npm run bench [-- --quick]`: what users of a monitoring SDK care about, each figure beside a
# peer or baseline measured in the same run: criterion benchmarks of the engine and the telemetry
# pipeline, JavaScript in the Linux JSI host (ours vs OpenTelemetry JS peers, start-up, memory),
# and the size of the stripped library (x86_64 here, and per Android ABI built for the device), and
# of the npm package with its prebuilt libraries. Writes target/bench/results.json and prints a table.
# --quick: tiny samples, and everything built in the dev profile that `npm test` has already
# built (the criterion benches, the JSI host, the size example), where a full run builds the
# bench and release profiles; for `npm test`, which only checks the results are well-formed.
# Its figures say nothing about speed or size.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

quick=() bench_profile=bench build_profile=release
[[ "${1:-}" == "--quick" ]] && quick=(--quick) bench_profile=dev build_profile=dev
ensure_rust
ensure_jsc
ensure_node_modules
mkdir -p target/bench

step "criterion: the engine"
cargo bench --quiet --locked --profile "$bench_profile" -p otel-sessions-engine --bench engine -- "${quick[@]}" | grep -E '^[a-z].*time:|time:' || true
step "criterion: stamping and the pipeline, against the same SDK pipeline without it"
cargo bench --quiet --locked --profile "$bench_profile" -p otel-sessions-telemetry --bench stamping -- "${quick[@]}" | grep -E 'time:|thrpt:' || true
# The span benchmarks again with the storage on ext4 with a journal, as phones' file systems
# have (this machine's has none: see scripts/bench/journaled-fs.sh). Full runs only; skipped,
# saying why, where no loop device can be mounted.
rm -rf target/criterion-journaled
if [[ ${#quick[@]} -eq 0 ]] && journaled=$(bash scripts/bench/journaled-fs.sh); then
  on_exit bash scripts/bench/journaled-fs.sh --umount
  step "criterion: spans again, the storage on ext4 with a journal ($journaled)"
  TMPDIR=$journaled CRITERION_HOME=$PWD/target/criterion-journaled \
    cargo bench --quiet --locked --profile "$bench_profile" -p otel-sessions-telemetry --bench stamping -- 'span start\+end' | grep -E 'time:' || true
  bash scripts/bench/journaled-fs.sh --umount
fi

step "JavaScript in the Linux JSI host ($build_profile build)"
if [[ $build_profile == release ]]; then host=$(bash scripts/build-jsi-host.sh --release); else host=$(bash scripts/build-jsi-host.sh); fi
node scripts/bench/run-host.js --host "$host" --out target/bench "${quick[@]}"

step "size: the C ABI as a stripped shared library (x86_64)"
cargo build --quiet --locked --profile "$build_profile" -p otel-sessions-jsi --example size_cdylib
size_dir=$build_profile; [[ $build_profile == dev ]] && size_dir=debug
cp "target/$size_dir/examples/libsize_cdylib.so" target/bench/libotel_sessions.so
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
