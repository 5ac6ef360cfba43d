#!/usr/bin/env bash
# `npm run bench`: the engine's criterion benchmarks (each beside a baseline in the same run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
cargo bench --locked -p otel-sessions-engine --bench engine -- "$@"
