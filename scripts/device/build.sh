#!/usr/bin/env bash
# Builds the device library (the staticlib of crate otel-sessions-jsi) for Android and iOS
# targets on Linux, as the build scripts ship it: the workspace's release profile (opt-level z,
# LTO setting, one codegen unit, unwinding panics), warnings as errors. Uses Debian's rustc and the
# source of its std (toolchain.sh); the user's rustup toolchain is not touched, and
# scripts/build-android / scripts/build-ios stay the way users build (cargo-ndk, Xcode).
#
#   scripts/device/build.sh [TARGET...]     (default: the 7 targets of the build scripts)
#
# Prints the archive of each target on stdout, one per line, in the order given; progress and
# cargo on stderr. A target whose inputs (the library's sources, manifests, Cargo.lock, the
# toolchain, this script) hash as in its last build is not handed to cargo at all.
# Writes target/device/<target>/build.json: {"seconds": N, "cached": bool}.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

targets=("$@")
((${#targets[@]})) || targets=("${DEVICE_TARGETS[@]}")
for t in "${targets[@]}"; do
  [[ " ${DEVICE_TARGETS[*]} " == *" $t "* ]] || {
    echo "device/build.sh: unknown target '$t'; one of: ${DEVICE_TARGETS[*]}" >&2
    exit 2
  }
done

ensure_rust
ensure_device_toolchain

# What the staticlib is made of. Tests, benches and examples are left out: they never reach it.
inputs_key() {
  {
    find Cargo.toml Cargo.lock rust/engine/src rust/telemetry/src rust/jsi/src rust/jsi/include \
      rust/*/Cargo.toml rust/*/build.rs -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum
    "$DEVICE_RUSTC" -vV
    cargo -V
    sha256sum scripts/device/build.sh scripts/device/toolchain.sh
  } | sha256sum | cut -d' ' -f1
}
key=$(inputs_key)

for t in "${targets[@]}"; do
  dir=$DEVICE_TARGET_DIR/$t/release
  lib=$dir/libotel_sessions_jsi.a
  stamp=$DEVICE_TARGET_DIR/$t/inputs.sha256
  if [[ -f $lib && -f $stamp && $(cat "$stamp") == "$key" ]]; then
    echo "device: $t unchanged since its last build (inputs hash ${key:0:12})" >&2
    echo '{"seconds": 0, "cached": true}' >"$DEVICE_TARGET_DIR/$t/build.json"
  else
    step "device: building the staticlib for $t (release, warnings as errors)"
    rm -f "$stamp"
    started=$(date +%s)
    # `cargo rustc --crate-type staticlib`, not `cargo build`: the crate's manifest also asks
    # for an rlib (its tests and examples use it), and cargo runs LTO only when every crate type
    # of a unit allows it, so `cargo build` leaves the profile's `lto = true` unapplied (an
    # archive of ~60 per-crate objects carrying their bitcode, 26 MB for arm64 Android, against
    # one LTO'd object of 3.4 MB, 24% smaller once linked).
    device_cargo "$t" rustc --release --locked -p otel-sessions-jsi --lib --crate-type staticlib \
      --target-dir "$DEVICE_TARGET_DIR" >&2
    took=$(($(date +%s) - started))
    echo "device: $t built in ${took} s" >&2
    echo "$key" >"$stamp"
    printf '{"seconds": %d, "cached": false}\n' "$took" >"$DEVICE_TARGET_DIR/$t/build.json"
  fi
  [[ -f $lib ]] || { echo "device/build.sh: cargo finished but $lib is missing" >&2; exit 1; }
  echo "$lib"
done
