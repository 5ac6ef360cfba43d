#!/usr/bin/env bash
# `npm run harness -- <file.js|file.ts> [args...]`: bundles the file with esbuild (the package
# name `react-native-otel-sessions` resolves to the built lib/) and runs it in the Linux JSI host,
# a real jsi::Runtime (React Native's JSCRuntime) with the binding installed (see scripts/bundle.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

[[ $# -ge 1 ]] || { echo "usage: npm run harness -- <file.js|file.ts> [args...]" >&2; exit 2; }
file=$1; shift
ensure_rust
ensure_node_modules
host=$(bash scripts/build-jsi-host.sh ${HARNESS_RELEASE:+--release})
mkdir -p target/harness
bundle="target/harness/$(basename "$file").$$.js"
on_exit 'rm -f "$bundle"'
bash scripts/bundle.sh "$file" "$bundle"
run_helper "$host" "$bundle" "$@"
