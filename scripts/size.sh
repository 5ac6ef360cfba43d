#!/usr/bin/env bash
# `npm run size`: what the Rust stack adds to an app, on this machine's target (x86_64
# Linux; mobile targets cannot be built here). Builds two programs with the release profile
# (opt-level z with the recording path faster, LTO, one codegen unit, panic=unwind, stripped): the whole engine + telemetry
# stack, and an empty program; reports both and the difference.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
cargo build --quiet --locked --release -p otel-sessions-telemetry --example size_probe --example size_baseline
probe=$(stat -c %s target/release/examples/size_probe)
base=$(stat -c %s target/release/examples/size_baseline)
awk -v p="$probe" -v b="$base" 'BEGIN {
  printf "stack program  %9d bytes\nempty program  %9d bytes\nadded by stack %9d bytes (%.2f MB)\n", p, b, p - b, (p - b) / 1e6 }'
