#!/usr/bin/env bash
# `npm run torture` (issue 9): kills, corrupt files, a full disk, clock jumps, fuzzing and
# concurrency across the whole stack. Prints a table of what was tried and what was lost, and
# writes target/torture/results.json.
#   --quick   the short version `npm test` runs (about 2 minutes on 2 cores)
#   (default) the full version: 200 kills, thousands of fuzz cases (10-20 minutes), then
#             `npm run device`: all 7 device targets and the Rust suites on ARM (see scripts/device)
# Environment: TORTURE_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

mode=full kills=200 scale=8 fuzz_calls=40000
case "${1:-}" in
  --quick) mode=quick kills=25 scale=1 fuzz_calls=4000 ;;
  "") ;;
  *) echo "usage: scripts/torture.sh [--quick]" >&2; exit 2 ;;
esac
seed=${TORTURE_SEED:-1}
started=$(date +%s)
out=target/torture
rm -rf "$out" && mkdir -p "$out/rust"
status=0

ensure_rust
ensure_node_modules
step "torture ($mode): building the JSI host, the receiver and the workloads"
host=$(bash scripts/build-jsi-host.sh)
receiver=$(build_receiver)
mkdir -p target/harness
bash scripts/bundle.sh rust/jsi-host/torture/kill-workload.js target/harness/torture-kill-workload.js
bash scripts/bundle.sh rust/jsi-host/torture/fuzz.js target/harness/torture-fuzz.js

step "torture: Rust (corruption, full disk, clocks, decoder fuzzing, concurrency), TORTURE_SCALE=$scale"
for t in "otel-sessions-engine torture_engine" "otel-sessions-telemetry torture_telemetry" "otel-sessions-jsi torture_jsi"; do
  set -- $t
  TORTURE_SCALE=$scale TORTURE_REPORT=$PWD/$out/rust cargo test --quiet --locked -p "$1" --test "$2" || status=1
done

step "torture: JS fuzzer in the JSI host ($fuzz_calls calls)"
fdir=$(mktemp -d)
if line=$("$host" target/harness/torture-fuzz.js "$fdir" "$fuzz_calls" "$seed" 2>&1 | tee "$out/fuzz.log" | grep '^FUZZ '); then
  echo "$line"
  node -e 'const j=JSON.parse(process.argv[1].slice(5)); j.crashes=0; require("fs").writeFileSync(process.argv[2], JSON.stringify(j))' "$line" "$out/fuzz.json"
else
  echo "the fuzzer crashed or failed:"; tail -20 "$out/fuzz.log"
  echo '{"calls":0,"errors":0,"rejections":0,"crashes":1}' >"$out/fuzz.json"
  status=1
fi
rm -rf "$fdir"

step "torture: kill loop ($kills SIGKILLs of the JSI host, flapping receiver)"
run_helper node rust/jsi-host/torture/kill-loop.js --host "$host" --bundle target/harness/torture-kill-workload.js \
  --receiver "$receiver" --out "$out/kill-loop" --iterations "$kills" --seed "$seed" || status=1

if [[ $mode == full ]]; then
  step "torture: the device library for all 7 targets, the Rust suites on ARM under qemu-user (npm run device)"
  bash scripts/device/full.sh || status=1
fi

node rust/jsi-host/torture/report.js "$out" "$mode" $(( $(date +%s) - started )) || status=1
exit $status
