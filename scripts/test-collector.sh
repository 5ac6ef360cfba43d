#!/usr/bin/env bash
# End-to-end checks through a real OpenTelemetry Collector (npm test runs this):
#   1. builds the Collector (scripts/build-collector.sh; cached in target/collector), after
#      gofmt on its sources (`go vet` is left out: it recompiles every dependency, ~6 min);
#   2. every ```yaml block of docs/collector.md passes the Collector's own `validate`, and a
#      copy with an unknown component fails it (so the check can fail);
#   3. the checks' own tests (rust/jsi-host/backend/tests/backend.test.js, node --test), against
#      the real Collector where they need a backend;
#   4. the demo's app day sent to the Collector (`scripts/demo.sh --check --collector`): its
#      timeline, and what the Collector's file export holds (rust/jsi-host/demo/run.js);
#   5. a short kill loop: the JSI host SIGKILLed at random and relaunched against the
#      Collector, then its file export checked (rust/jsi-host/torture/kill-loop.js).
# Every Collector is started by the test itself on free loopback ports, by a node driver run
# with run_helper, and stopped on every exit path. Environment: COLLECTOR_KILLS (default 12),
# COLLECTOR_SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

out=target/collector-e2e
rm -rf "$out" && mkdir -p "$out"
ensure_rust
ensure_node_modules

step "collector: gofmt, then build (cached)"
ensure_go
unformatted=$(gofmt -l scripts/collector)
[[ -z $unformatted ]] || { echo "collector: not gofmt-formatted: $unformatted (run: gofmt -w scripts/collector)" >&2; exit 1; }
started=$(date +%s)
collector=$(bash scripts/build-collector.sh)
echo "collector: $collector ($(($(date +%s) - started)) s)"

step "collector: docs/collector.md's example configuration passes \`$collector validate\`"
node -e '
  const fs = require("fs");
  const blocks = [...fs.readFileSync("docs/collector.md", "utf8").matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  if (blocks.length === 0) { console.error("docs/collector.md has no ```yaml block"); process.exit(1); }
  blocks.forEach((b, i) => fs.writeFileSync(`${process.argv[1]}/doc-config-${i + 1}.yaml`, b));
' "$out"
for config in "$out"/doc-config-*.yaml; do
  "$collector" validate --config="$config"
  echo "valid: $config (from docs/collector.md)"
  # The same configuration with a component this Collector lacks must be refused.
  sed 's/^\(  *\)otlp:$/\1otlp_unknown:/' "$config" >"$config.broken"
  cmp -s "$config" "$config.broken" && { echo "collector: cannot break $config for the negative check (no otlp receiver?)" >&2; exit 1; }
  if "$collector" validate --config="$config.broken" 2>"$out/broken.log"; then
    echo "collector: validate accepted a configuration with an unknown receiver: $config.broken" >&2
    exit 1
  fi
  echo "refused as it should be: $(grep -o 'unknown type[^;]*' "$out/broken.log" | head -1)"
done

step "collector: the end-to-end checks' own tests (node --test)"
COLLECTOR=$collector run_helper node --test rust/jsi-host/backend/tests/backend.test.js

step "collector: the app day (scripts/demo.sh --check --collector)"
bash scripts/demo.sh --check --collector

step "collector: kill loop (${COLLECTOR_KILLS:-12} SIGKILLs of the JSI host, sending to the Collector)"
host=$(bash scripts/build-jsi-host.sh)
mkdir -p target/harness
bash scripts/bundle.sh rust/jsi-host/torture/kill-workload.js target/harness/torture-kill-workload.js
run_helper node rust/jsi-host/torture/kill-loop.js --host "$host" --bundle target/harness/torture-kill-workload.js \
  --collector "$collector" --out "$out/kill-loop" --iterations "${COLLECTOR_KILLS:-12}" --seed "${COLLECTOR_SEED:-1}"
echo "collector: the Collector's output is in $out/kill-loop/collector-output.json"
