#!/usr/bin/env bash
# Builds the project's OpenTelemetry Collector (scripts/collector: the core OTLP receiver,
# batch processor, debug and OTLP/HTTP exporters, the contrib file exporter and our wirecount
# processor, every collector module pinned at one release in go.mod) and prints its
# absolute path. Everything else goes to stderr.
#
#   scripts/build-collector.sh
#
# The binary is kept in target/collector/ and rebuilt only when go.mod, go.sum, a .go file
# or the Go version changes. Go's own caches (~/go/pkg/mod, ~/.cache/go-build) make a rebuild
# after `rm -rf target` a link step (about 20 s); a fresh machine downloads the modules (about
# 120 MB) and compiles them: about 5 minutes on 2 cores (scripts/collector/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_go
src=scripts/collector
out_dir=target/collector
bin=$out_dir/otelcol-rnos
key=$( (go version; cat "$src/go.mod" "$src/go.sum" "$src"/*.go) | sha256sum | cut -d' ' -f1)
if [[ -x $bin && "$(cat "$bin.key" 2>/dev/null)" == "$key" ]]; then
  echo "$PWD/$bin"
  exit 0
fi
step "building the OpenTelemetry Collector ($src; about 20 s, or about 5 min on a fresh machine)"
mkdir -p "$out_dir"
started=$(date +%s)
# -mod=readonly: go.mod and go.sum are the pins, never rewritten by a build; GOTOOLCHAIN=local:
# the machine's Go, no toolchain download.
(cd "$src" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local \
  go build -trimpath -ldflags="-s -w" -o "$OLDPWD/$bin.tmp" .) >&2
mv "$bin.tmp" "$bin"
echo "$key" >"$bin.key"
echo "collector: built $bin in $(($(date +%s) - started)) s" >&2
echo "$PWD/$bin"
