#!/usr/bin/env bash
# `npm run demo [-- --endpoint URL]`: a scripted app day through the public TypeScript API in the
# Linux JSI host (real engine, telemetry and JSI), two launches with a SIGKILL between them,
# exported over OTLP/HTTP to an embedded loopback receiver (or to URL, e.g. an OpenTelemetry
# Collector). Prints the session timeline and writes target/demo/timeline.html.
#   --check: also fail unless the timeline is the one the app day makes (npm test runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

endpoint_args=() # and --check
while [[ $# -gt 0 ]]; do
  case "$1" in
    --endpoint) [[ $# -ge 2 ]] || { echo "demo: --endpoint needs a URL" >&2; exit 2; }; endpoint_args+=(--endpoint "$2"); shift 2 ;;
    --check) endpoint_args+=(--check yes); shift ;; # npm test: the timeline must be the expected one
    *) echo "usage: npm run demo [-- --endpoint http://collector:4318]" >&2; exit 2 ;;
  esac
done

ensure_rust
ensure_node_modules
step "building the JSI host, the receiver and the demo bundle"
host=$(bash scripts/build-jsi-host.sh)
receiver=$(build_receiver)
mkdir -p target/harness
bash scripts/bundle.sh rust/jsi-host/demo/app-day.ts target/harness/app-day.js 2>/dev/null
step "the app day"
# In a process group of its own: the receiver and hosts it starts are stopped with it on every
# exit path, even when it fails (lib.sh).
run_helper node rust/jsi-host/demo/run.js --host "$host" --bundle target/harness/app-day.js \
  --receiver "$receiver" --out target/demo "${endpoint_args[@]}"
