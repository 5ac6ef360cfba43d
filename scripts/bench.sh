#!/usr/bin/env bash
# `npm run bench`: criterion benchmarks, each beside a baseline measured in the same run:
# the engine's hot paths, and stamping against the same OpenTelemetry pipeline without it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
cargo bench --locked -p otel-sessions-engine --bench engine -- "$@"
cargo bench --locked -p otel-sessions-telemetry --bench stamping -- "$@"

step "binding from JavaScript (Linux JSI host, release build)"
ensure_jsc
ensure_node_modules
HARNESS_RELEASE=1 bash scripts/harness.sh rust/jsi-host/bench/binding.bench.js "$(mktemp -d)" 1 | grep -v '^BENCH '
step "OpenTelemetry JS bridge (Linux JSI host, release build)"
HARNESS_RELEASE=1 bash scripts/harness.sh rust/jsi-host/bench/otel-bridge.bench.ts "$(mktemp -d)" 1
