#!/usr/bin/env bash
# The Android C++ (android/src/main/cpp, rust/jsi/cpp) compiled on this Linux host through the
# library's own android/CMakeLists.txt, against the headers the app's build uses: react-android's
# and fbjni's prefab headers (from their AARs on Maven Central) and the JDK's jni.h.
#
#   scripts/native/android-cpp.sh
#
# What it checks:
#   - CMakeLists.txt configures with the prefab packages React Native's Gradle plugin provides
#     (stand-in configs here expose the same ReactAndroid::* and fbjni::fbjni targets, with the
#     AARs' headers, as IMPORTED targets, so their headers are system headers as on Android);
#   - every source compiles with clang and libc++, -Wall -Wextra -Werror, C++20, folly's flags;
#   - with the Rust library missing, configuring only warns, and linking fails with the same
#     message (what Android Studio's sync and a build then show).
# What it cannot: this is the HOST target (x86_64 Linux, Debian's clang 14 and libc++), not the
# NDK's clang, libc++ and bionic (no NDK here), so __ANDROID__ code paths in React Native's and
# fbjni's headers are not compiled, and nothing is linked.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/native/android-deps.sh

ensure_apt "the Android C++ host compile" clang libc++-14-dev libc++abi-14-dev cmake make

WORK=$ANDROID_WORK/cpp
mkdir -p "$WORK"
react_aar=$(android_aar_dirs | grep '/react-android-')
fbjni_aar=$(android_aar_dirs | grep '/fbjni-')
note_react_version
echo "headers: react-android $(android_react_version) prefab (${react_aar##*/}), fbjni prefab (${fbjni_aar##*/}), $(jdk_home)/include"

# Stand-ins for the CMake packages the Android Gradle plugin generates from the AARs' prefab/.
prefab_package() { # name aar_dir
  local name=$1 aar=$2 dir=$WORK/prefab/$1 module
  mkdir -p "$dir"
  {
    echo "# Stand-in for the prefab package '$name' (scripts/native/android-cpp.sh): its modules as"
    echo "# IMPORTED targets with the AAR's headers, for a compile on the host. Nothing to link."
    for module in "$aar"/prefab/modules/*/; do
      module=$(basename "$module")
      echo "add_library($name::$module INTERFACE IMPORTED)"
      echo "set_target_properties($name::$module PROPERTIES INTERFACE_INCLUDE_DIRECTORIES \"$PWD/$aar/prefab/modules/$module/include\")"
    done
  } >"$dir/${name}Config.cmake"
  echo "$PWD/$dir"
}
react_pkg=$(prefab_package ReactAndroid "$react_aar")
fbjni_pkg=$(prefab_package fbjni "$fbjni_aar")

no_rust=$WORK/no-rust-library # stays empty: the Rust library is missing on purpose
rm -rf "$no_rust" && mkdir -p "$no_rust"
jdk_include=$(jdk_home)/include
failed=0
fail() { echo "FAIL: $*"; failed=1; }
# CMake wraps its messages: compare text with the lines joined.
one_line() { tr '\n' ' ' <"$1" | tr -s ' '; }
missing="react-native-otel-sessions: the Rust library $PWD/$no_rust/aarch64-linux-android/release/libotel_sessions_jsi.a is missing; the Gradle task buildOtelSessionsRust builds it"


step "cmake: configure android/CMakeLists.txt (host clang + libc++, stand-in prefab packages)"
if ! cmake -S android -B "$WORK/build" -G "Unix Makefiles" \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-stdlib=libc++ -Werror -isystem $jdk_include -isystem $jdk_include/linux" \
  -DANDROID_ABI=arm64-v8a \
  -DREACT_NATIVE_DIR="$PWD/$ANDROID_RN" \
  -DOTEL_SESSIONS_RUST_TARGET_DIR="$PWD/$no_rust" \
  -DReactAndroid_DIR="$react_pkg" -Dfbjni_DIR="$fbjni_pkg" >"$WORK/configure.log" 2>&1; then
  cat "$WORK/configure.log"
  fail "CMakeLists.txt does not configure"
elif ! grep -q "CMake Warning" "$WORK/configure.log" || ! one_line "$WORK/configure.log" | grep -qF "$missing"; then
  cat "$WORK/configure.log"
  fail "a missing Rust library should be a configure-time warning"
else
  echo "ok: configures; the missing Rust library is a warning:"
  one_line "$WORK/configure.log" | grep -o "react-native-otel-sessions: the Rust library [^)]*)"
fi

if ((failed == 0)); then
  step "cmake --build: compile every source (-Wall -Wextra -Werror), then the link must stop"
  if cmake --build "$WORK/build" -j2 >"$WORK/build.log" 2>&1; then
    fail "the build linked although the Rust library is missing"
  fi
  sources=(android/src/main/cpp/*.cpp rust/jsi/cpp/*.cpp)
  for src in "${sources[@]}"; do
    obj=$(find "$WORK/build" -name "$(basename "$src").o" | head -1)
    if [[ -z $obj || $obj -ot $src ]]; then
      fail "$src did not compile"
    fi
  done
  if grep -qE "(warning|error):" "$WORK/build.log"; then
    grep -E -B2 -A6 "(warning|error):" "$WORK/build.log" | head -80
    fail "the compile reported warnings or errors"
  fi
  if ((failed == 0)); then
    echo "ok: ${#sources[@]} sources compiled without a warning: ${sources[*]}"
    if one_line "$WORK/build.log" | grep -qF "$missing"; then
      echo "ok: the link stops with the same message"
    else
      tail -30 "$WORK/build.log"
      fail "the link did not stop with the missing-library message"
    fi
  fi
fi
exit "$failed"
