#!/usr/bin/env bash
# `npm run bench`: criterion benchmarks, each beside a baseline measured in the same run:
# the engine's hot paths, and stamping against the same OpenTelemetry pipeline without it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
cargo bench --locked -p otel-sessions-engine --bench engine -- "$@"
cargo bench --locked -p otel-sessions-telemetry --bench stamping -- "$@"
