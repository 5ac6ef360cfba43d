#!/usr/bin/env bash
# scripts/device/build.sh's paths that a warm working copy never takes (npm test's device step):
#   1. the machine cache's hit: a clone with no target/device (a fresh one) takes the archive of
#      its inputs from the cache, byte for byte the one this clone built, without running cargo;
#   2. a build that fails, among parallel builds: build.sh exits 1 naming the target, shows
#      cargo's error, and leaves no archive and no inputs stamp behind (so the next run builds);
#   3. a machine cache that cannot be written (its path runs through a file) fails nothing:
#      build.sh says so and goes on.
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

# 2. A failed build (rustc refuses an unknown -Z flag at once: no compiling happens).
rc=0
out=$(DEVICE_TARGET_DIR=$tmp/failing OTEL_SESSIONS_DEVICE_CACHE=off DEVICE_RUSTFLAGS=-Zno-such-flag \
  bash scripts/device/build.sh "$t" aarch64-apple-ios 2>"$tmp/fail.log") || rc=$?
problem=
if ((rc != 1)); then problem="exit status $rc, expected 1"
elif [[ -n $out ]]; then problem="printed archives: $out"
elif ! grep -q "device/build.sh: the build failed for: .*$t" "$tmp/fail.log" ||
  ! grep -q "device/build.sh: the build failed for: .*aarch64-apple-ios" "$tmp/fail.log"; then problem="the failed targets are not named"
elif ! grep -q 'no-such-flag' "$tmp/fail.log"; then problem="cargo's error is not shown"
elif compgen -G "$tmp/failing/*/release/libotel_sessions_jsi.a" >/dev/null || compgen -G "$tmp/failing/*/inputs.sha256" >/dev/null; then problem="an archive or stamp was left behind"
fi
if [[ $problem ]]; then
  echo "FAIL failed build: $problem" >&2
  sed 's/^/  | /' "$tmp/fail.log" >&2
  exit 1
fi
echo "ok   failed build: exit 1 naming both targets, cargo's error shown, nothing left behind"

# 3. A machine cache that cannot be written.
touch "$tmp/a-file"
rc=0
out=$(OTEL_SESSIONS_DEVICE_CACHE=$tmp/a-file/cache bash scripts/device/build.sh "$t" 2>"$tmp/unwritable.log") || rc=$?
if ((rc)) || [[ $out != "$built" ]] || ! grep -q "device: could not write $tmp/a-file/cache/" "$tmp/unwritable.log"; then
  echo "FAIL unwritable machine cache: exit status $rc, printed '$out'" >&2
  sed 's/^/  | /' "$tmp/unwritable.log" >&2
  exit 1
fi
echo "ok   unwritable machine cache: said so, and the archive was still given"

# 1. The machine cache.
if [[ $DEVICE_CACHE == off ]]; then
  echo "skip machine cache: OTEL_SESSIONS_DEVICE_CACHE=off"
  exit 0
fi
fail() { echo "FAIL machine cache: $*" >&2; sed 's/^/  | /' "$tmp/log" >&2; exit 1; }
out=$(DEVICE_TARGET_DIR=$tmp/device bash scripts/device/build.sh "$t" 2>"$tmp/log") || fail "build.sh failed"
[[ $out == "$tmp/device/$t/release/libotel_sessions_jsi.a" ]] || fail "build.sh printed '$out'"
grep -q "device: $t taken from the machine cache" "$tmp/log" || fail "the archive was not taken from the cache"
! grep -q 'device: building' "$tmp/log" || fail "cargo ran"
[[ ! -e $tmp/device/$t/cargo ]] || fail "a cargo target directory was made"
cmp -s "$out" "$built" || fail "the cached archive differs from $built"
echo "ok   machine cache: a clone without target/device takes $t's archive from $DEVICE_CACHE, identical, no cargo run"
