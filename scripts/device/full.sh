#!/usr/bin/env bash
# `npm run device` (and the full `npm run torture`): everything issue 15 asks of the Linux path,
# for every target. The device library for all 7 Android and iOS targets (build, symbols,
# linked size per Android ABI: check-device.sh), then the engine, telemetry and binding test
# suites on armv7 and aarch64 Linux under qemu-user (test-arm.sh). `npm test` runs a part of
# each (see scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

status=0
step "device library: all 7 targets"
bash scripts/device/check-device.sh all || status=1
step "Rust test suites on ARM under qemu-user: armv7 and aarch64"
bash scripts/device/test-arm.sh || status=1
exit $status
