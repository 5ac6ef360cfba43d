#!/usr/bin/env bash
# `npm run demo [-- --collector | --endpoint URL]`: a scripted app day through the public
# TypeScript API in the Linux JSI host (real engine, telemetry and JSI), two launches with a
# SIGKILL between them, exported over OTLP/HTTP to an embedded loopback receiver, to a real
# OpenTelemetry Collector built from scripts/collector and started (and stopped) on loopback
# (--collector: prints where its file exporter's OTLP JSON is), or to URL (e.g. your own
# Collector). Prints the session timeline and writes target/demo/timeline.html.
#   --check: also fail unless the timeline is the one the app day makes and the backend holds
#            what it must (npm test runs `--check --collector`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

backend=receiver endpoint_args=() # and --check
while [[ $# -gt 0 ]]; do
  case "$1" in
    --endpoint | --collector)
      [[ $backend == receiver ]] || { echo "demo: give one of --collector and --endpoint, not both" >&2; exit 2; }
      if [[ $1 == --collector ]]; then backend=collector; shift; continue; fi
      [[ $# -ge 2 ]] || { echo "demo: --endpoint needs a URL" >&2; exit 2; }
      backend=endpoint; endpoint_args+=(--endpoint "$2"); shift 2 ;;
    --check) endpoint_args+=(--check yes); shift ;; # npm test: the timeline must be the expected one
    *) echo "usage: npm run demo [-- --collector | --endpoint http://collector:4318] [--check]" >&2; exit 2 ;;
  esac
done

ensure_rust
ensure_node_modules
step "building the JSI host, the $backend and the demo bundle"
host=$(bash scripts/build-jsi-host.sh)
case $backend in
  receiver) endpoint_args+=(--receiver "$(build_receiver)") ;;
  collector) endpoint_args+=(--collector "$(bash scripts/build-collector.sh)") ;;
esac
mkdir -p target/harness
bash scripts/bundle.sh rust/jsi-host/demo/app-day.ts target/harness/app-day.js 2>/dev/null
step "the app day"
# In a process group of its own: the receiver or Collector and the hosts it starts are stopped
# with it on every exit path, even when it fails (lib.sh).
run_helper node rust/jsi-host/demo/run.js --host "$host" --bundle target/harness/app-day.js \
  --out target/demo "${endpoint_args[@]}"
