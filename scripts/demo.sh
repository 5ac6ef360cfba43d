#!/usr/bin/env bash
# `npm run demo`: a simulated app day printed as a session timeline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
cargo run --quiet --locked -p otel-sessions-engine --example app_day
