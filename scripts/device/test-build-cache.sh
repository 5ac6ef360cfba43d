#!/usr/bin/env bash
# The machine cache of scripts/device/build.sh, its hit path: a clone with no target/device (a
# fresh one) takes the archive of its inputs from the cache, byte for byte the one this clone
# built, without running cargo. The miss path is every build's (a fresh machine, changed
# sources). Run after build.sh has built or checked TARGET in this clone (npm test's device step).
#
#   scripts/device/test-build-cache.sh [TARGET]     (default aarch64-linux-android)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

t=${1:-aarch64-linux-android}
built=$DEVICE_TARGET_DIR/$t/release/libotel_sessions_jsi.a
[[ -f $built ]] || { echo "device/test-build-cache.sh: $built is missing: run scripts/device/build.sh $t first" >&2; exit 1; }
if [[ $DEVICE_CACHE == off ]]; then
  echo "skip machine cache: OTEL_SESSIONS_DEVICE_CACHE=off"
  exit 0
fi

tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"
fail() { echo "FAIL machine cache: $*" >&2; sed 's/^/  | /' "$tmp/log" >&2; exit 1; }
out=$(DEVICE_TARGET_DIR=$tmp/device bash scripts/device/build.sh "$t" 2>"$tmp/log") || fail "build.sh failed"
[[ $out == "$tmp/device/$t/release/libotel_sessions_jsi.a" ]] || fail "build.sh printed '$out'"
grep -q "device: $t taken from the machine cache" "$tmp/log" || fail "the archive was not taken from the cache"
! grep -q 'device: building' "$tmp/log" || fail "cargo ran"
[[ ! -e $tmp/device/$t/cargo ]] || fail "a cargo target directory was made"
cmp -s "$out" "$built" || fail "the cached archive differs from $built"
echo "ok   machine cache: a clone without target/device takes $t's archive from $DEVICE_CACHE, identical, no cargo run"
