#!/usr/bin/env bash
# The Rust test suites on 32-bit and 64-bit ARM Linux under qemu-user (issue 15): the engine,
# telemetry and binding (otel-sessions-jsi) crates, built for armv7-unknown-linux-gnueabihf and
# aarch64-unknown-linux-gnu with Debian's rustc and -Zbuild-std (toolchain.sh), linked by the
# GNU cross compilers and run by qemu-arm / qemu-aarch64 with the matching glibc (-L).
#
# Tests that start child processes (kill and lock tests) start them through the same emulator:
# OTEL_SESSIONS_TEST_RUNNER tells rust/test-support's `child()` the runner cargo uses. A test
# that cannot work under emulation skips itself and says so (skip_when_emulated); the skips are
# listed at the end.
#
#   scripts/device/test-arm.sh [TARGET...] [-- CARGO TEST ARGS...]
#       TARGET: armv7-unknown-linux-gnueabihf, aarch64-unknown-linux-gnu (default: both)
#       e.g. scripts/device/test-arm.sh armv7-unknown-linux-gnueabihf -- -p otel-sessions-engine
#   (default packages: -p otel-sessions-engine -p otel-sessions-telemetry -p otel-sessions-jsi)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

ARM_TARGETS=(armv7-unknown-linux-gnueabihf aarch64-unknown-linux-gnu)
targets=() cargo_args=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; cargo_args=("$@"); break; fi
  [[ " ${ARM_TARGETS[*]} " == *" $1 "* ]] || {
    echo "device/test-arm.sh: unknown target '$1'; one of: ${ARM_TARGETS[*]}" >&2
    exit 2
  }
  targets+=("$1"); shift
done
((${#targets[@]})) || targets=("${ARM_TARGETS[@]}")
((${#cargo_args[@]})) || cargo_args=(-p otel-sessions-engine -p otel-sessions-telemetry -p otel-sessions-jsi)

ensure_rust
ensure_device_toolchain
ensure_arm_toolchain

status=0 summary=() logs=()
mkdir -p "$ARM_TEST_TARGET_DIR"
for t in "${targets[@]}"; do
  log=$ARM_TEST_TARGET_DIR/test-$t.log
  logs+=("$log")
  case $t in
    armv7-*) linker=arm-linux-gnueabihf-gcc runner="qemu-arm -L /usr/arm-linux-gnueabihf" ;;
    aarch64-*) linker=aarch64-linux-gnu-gcc runner="qemu-aarch64 -L /usr/aarch64-linux-gnu" ;;
  esac
  name=$(target_env_name "$t")
  step "tests on $t under ${runner%% *}: ${cargo_args[*]}"
  started=$(date +%s)
  rc=0
  # std built as for the device library (DEVICE_BUILD_STD: unwinding, which the test harness
  # needs too, and no backtrace symbolization), so what ships is what runs here.
  # opt-level 1 (debug assertions and overflow checks stay on): qemu spends most of its time
  # looking up the next translated block, once per call and return, and unoptimised code calls
  # a function for every slice index; the binding's bad-input test ran 25 min on armv7 at
  # opt-level 0.
  env "CARGO_TARGET_${name}_LINKER=$linker" "CARGO_TARGET_${name}_RUNNER=$runner" \
    OTEL_SESSIONS_TEST_RUNNER="$runner" RUSTC="$DEVICE_RUSTC" RUSTDOC="$DEVICE_RUSTDOC" RUSTC_BOOTSTRAP=1 \
    CARGO_PROFILE_DEV_OPT_LEVEL=1 CARGO_PROFILE_TEST_OPT_LEVEL=1 \
    cargo test --locked --target "$t" "${DEVICE_BUILD_STD[@]}" --target-dir "$ARM_TEST_TARGET_DIR" "${cargo_args[@]}" \
    2>&1 | tee "$log" || rc=$?
  took=$(($(date +%s) - started))
  if ((rc)); then status=1; summary+=("FAIL $t (${took} s)"); else summary+=("ok   $t (${took} s)"); fi
done

step "tests on ARM: summary"
grep -h '^SKIPPED under emulation' "${logs[@]}" | sort | uniq -c | sed 's/^ */  /' >&2 || true
printf '%s\n' "${summary[@]}"
exit $status
