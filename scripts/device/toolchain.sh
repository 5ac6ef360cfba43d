# The Linux path to the device library (sourced by the scripts in this folder, after lib.sh).
#
# The device targets (Android, iOS) and the ARM test targets have no prebuilt standard library
# here and the user's rustup toolchain is left alone. Instead, Debian's `rustc-web` (a second
# rustc, /usr/bin/rustc) and `rust-web-src` (the source of its standard library) compile std for
# any target with cargo's `-Zbuild-std`; RUSTC_BOOTSTRAP=1 lets a stable cargo and rustc take
# that unstable flag. The rustup cargo drives the build (RUSTC points it at Debian's rustc).
# LLVM's tools of the same major version as that rustc (llvm-22, lld-22) read and link what it
# writes.

DEVICE_RUSTC=/usr/bin/rustc
# Its rustdoc, for the doctests of the ARM test runs (rustup's would refuse the std built here).
DEVICE_RUSTDOC=/usr/bin/rustdoc
LLVM_BIN=/usr/lib/llvm-22/bin
# A target directory of its own: the host build's cache (target/debug, target/release) is never
# rebuilt by a device build, nor the other way round.
DEVICE_TARGET_DIR=${DEVICE_TARGET_DIR:-target/device}
# Built archives by inputs hash, for every clone on this machine (scripts/device/build.sh);
# `off` turns it off.
DEVICE_CACHE=${OTEL_SESSIONS_DEVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/react-native-otel-sessions/device}
# The ARM test builds (debug, other targets) have one of their own, so both can run at once.
ARM_TEST_TARGET_DIR=target/arm

ANDROID_TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android)
IOS_TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
DEVICE_TARGETS=("${ANDROID_TARGETS[@]}" "${IOS_TARGETS[@]}")
# The oldest OS versions the build scripts ship for: scripts/build-android's --platform default
# and scripts/build-ios's IPHONEOS_DEPLOYMENT_TARGET default. Keep in step with them.
ANDROID_MIN_API=24
IOS_DEPLOYMENT_TARGET=15.1

# Debian's rustc with its standard library's source, and LLVM's binary tools and linker.
ensure_device_toolchain() {
  ensure_apt "device builds: a rustc with its std source, LLVM tools" rustc-web rust-web-src llvm-22 lld-22
  [[ -d /usr/lib/rustlib/src/rust/library/std ]] || {
    echo "device: rust-web-src is installed but /usr/lib/rustlib/src/rust/library/std is missing" >&2
    exit 1
  }
}

# qemu-user and the cross C toolchains (linkers, glibc) for the ARM test targets.
ensure_arm_toolchain() {
  ensure_apt "tests on ARM under qemu-user" qemu-user gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross
}

# device_cargo TARGET ARGS...: cargo with Debian's rustc, building std for TARGET from source
# (`std` brings the panic runtime the profile asks for: the release profile unwinds). std is
# built with `panic-unwind` and without `backtrace`, the feature that symbolizes backtraces
# (gimli, addr2line, object, miniz_oxide): nothing in the library prints or captures a
# backtrace, and leaving it out makes arm64-v8a's linked library 18% smaller (0.85 -> 0.70 MB)
# and each target's build shorter. A panic still unwinds and is caught the same way.
# Warnings are errors through RUSTFLAGS, which cargo applies to the workspace's crates (and
# with --target never to build scripts); dependencies, std included, keep cargo's cap-lints.
device_cargo() {
  local target=$1; shift
  local env=(RUSTC="$DEVICE_RUSTC" RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Dwarnings ${DEVICE_RUSTFLAGS:-}")
  case $target in
    *-apple-ios*) env+=(IPHONEOS_DEPLOYMENT_TARGET="$IOS_DEPLOYMENT_TARGET") ;;
  esac
  env "${env[@]}" cargo "$@" --target "$target" "${DEVICE_BUILD_STD[@]}"
}

# How std is built for a device, in every cargo run that builds it (device_cargo, test-arm.sh).
DEVICE_BUILD_STD=(-Zbuild-std=std -Zbuild-std-features=panic-unwind)

# The cargo environment variable infix of a target: aarch64-linux-android -> AARCH64_LINUX_ANDROID.
target_env_name() { tr 'a-z.-' 'A-Z__' <<<"$1"; }
