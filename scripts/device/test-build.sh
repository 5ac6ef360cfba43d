#!/usr/bin/env bash
# scripts/device/build.sh's paths that a warm working copy never takes (npm test's device step):
#   1. a build that fails, among parallel builds: build.sh exits 1 naming the target, shows
#      cargo's error, and leaves no archive and no inputs stamp behind (so the next run builds);
#   2. a machine cache that cannot be written (its path runs through a file) fails nothing:
#      build.sh says so and goes on;
#   3. the machine cache's hit: a clone with no target/device (a fresh one) takes the archive of
#      its inputs from the cache, byte for byte the one this clone built, without running cargo.
# The cache's miss path is every build's (a fresh machine, changed sources). TARGET is built (or
# found current) in this clone first, which is quick after npm test's device step.
#
#   scripts/device/test-build.sh [TARGET]     (default aarch64-linux-android)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

t=${1:-aarch64-linux-android}
built=$(bash scripts/device/build.sh "$t")
tmp=$(mktemp -d)
on_exit "rm -rf '$tmp'"

# run NAME [VAR=VALUE...] -- TARGET...: build.sh for TARGET... with the variables set; its stdout
# in $out, its status in $rc, its stderr in $tmp/NAME.log. fail NAME WHY: reports and exits.
run() {
  local name=$1; shift
  local vars=()
  while [[ $1 != -- ]]; do vars+=("$1"); shift; done
  shift
  rc=0
  out=$(env "${vars[@]}" bash scripts/device/build.sh "$@" 2>"$tmp/$name.log") || rc=$?
}
fail() { echo "FAIL $1: $2" >&2; sed 's/^/  | /' "$tmp/$1.log" >&2; exit 1; }
named() { grep -q "device/build.sh: the build failed for: .*$1" "$tmp/failed-build.log"; }

# 1. A failed build (rustc refuses an unknown -Z flag at once: no compiling happens).
run failed-build DEVICE_TARGET_DIR="$tmp/failing" OTEL_SESSIONS_DEVICE_CACHE=off DEVICE_RUSTFLAGS=-Zno-such-flag -- "$t" aarch64-apple-ios
((rc == 1)) || fail failed-build "exit status $rc, expected 1"
[[ -z $out ]] || fail failed-build "printed archives: $out"
named "$t" && named aarch64-apple-ios || fail failed-build "the failed targets are not named"
grep -q 'no-such-flag' "$tmp/failed-build.log" || fail failed-build "cargo's error is not shown"
! compgen -G "$tmp/failing/*/release/libotel_sessions_jsi.a" >/dev/null && ! compgen -G "$tmp/failing/*/inputs.sha256" >/dev/null ||
  fail failed-build "an archive or stamp was left behind"
echo "ok   failed build: exit 1 naming both targets, cargo's error shown, nothing left behind"

# 2. A machine cache that cannot be written.
touch "$tmp/a-file"
run unwritable-cache OTEL_SESSIONS_DEVICE_CACHE="$tmp/a-file/cache" -- "$t"
((rc == 0)) || fail unwritable-cache "exit status $rc"
[[ $out == "$built" ]] || fail unwritable-cache "printed '$out'"
grep -q "device: could not write $tmp/a-file/cache/" "$tmp/unwritable-cache.log" || fail unwritable-cache "it did not say so"
echo "ok   unwritable machine cache: said so, and the archive was still given"

# 3. The machine cache's hit.
if [[ $DEVICE_CACHE == off ]]; then
  echo "skip machine cache: OTEL_SESSIONS_DEVICE_CACHE=off"
  exit 0
fi
run cache-hit DEVICE_TARGET_DIR="$tmp/device" -- "$t"
((rc == 0)) || fail cache-hit "build.sh failed"
[[ $out == "$tmp/device/$t/release/libotel_sessions_jsi.a" ]] || fail cache-hit "build.sh printed '$out'"
grep -q "device: $t taken from the machine cache" "$tmp/cache-hit.log" || fail cache-hit "the archive was not taken from the cache"
! grep -q 'device: building' "$tmp/cache-hit.log" || fail cache-hit "cargo ran"
[[ ! -e $tmp/device/$t/cargo ]] || fail cache-hit "a cargo target directory was made"
cmp -s "$out" "$built" || fail cache-hit "the cached archive differs from $built"
echo "ok   machine cache: a clone without target/device takes $t's archive from $DEVICE_CACHE, identical, no cargo run"
