#!/usr/bin/env bash
# The Android C++ (android/src/main/cpp, rust/jsi/cpp) compiled on this Linux host through the
# library's own android/CMakeLists.txt, against the headers the app's build uses: react-android's
# and fbjni's prefab headers (from their AARs on Maven Central) and the JDK's jni.h.
#
#   scripts/native/android-cpp.sh
#   scripts/native/android-cpp.sh --installed PACKAGE_DIR GRADLE_INPUTS_JSON OUT_TSV
#       an installed package (scripts/prebuilt/check-pack.sh): configures its CMakeLists.txt for
#       each ABI with the arguments its build.gradle passes (GRADLE_INPUTS_JSON, from
#       android-gradle.sh --installed), and checks that CMake says it links the package's prebuilt
#       library and that the generated link command links exactly that file. Writes
#       "<abi> <library>" per ABI to OUT_TSV. Nothing is compiled.
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

host_flags="-stdlib=libc++ -Werror -isystem $(jdk_home)/include -isystem $(jdk_home)/include/linux"

# The installed package's CMakeLists.txt, configured per ABI as its Gradle script asks.
installed() { # package_dir gradle_inputs_json out_tsv
  local pkg=$1 inputs=$2 out=$3 dir=$WORK/installed abi log said lib failed=0
  local cmake_args=() abis=()
  mapfile -t cmake_args < <(node -e 'console.log(require(require("path").resolve(process.argv[1])).cmakeArguments.join("\n"))' "$inputs")
  mapfile -t abis < <(node -e 'console.log(require(require("path").resolve(process.argv[1])).abiFilters.join("\n"))' "$inputs")
  ((${#abis[@]})) || { echo "FAIL: $inputs names no ABI"; return 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  : >"$out"
  for abi in "${abis[@]}"; do
    log=$dir/configure-$abi.log
    # One build folder reconfigured per ABI: the compiler checks run once.
    if ! cmake -S "$pkg/android" -B "$dir/build" -G "Unix Makefiles" -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_CXX_FLAGS="$host_flags" -DANDROID_ABI="$abi" "${cmake_args[@]}" \
      -DReactAndroid_DIR="$react_pkg" -Dfbjni_DIR="$fbjni_pkg" >"$log" 2>&1; then
      cat "$log"; echo "FAIL $abi: the installed CMakeLists.txt does not configure"; failed=1; continue
    fi
    said=$(tr '\n' ' ' <"$log" | tr -s ' ' | grep -o "react-native-otel-sessions: $abi: linking the Rust library [^ ]* ([^)]*)" || true)
    lib=$(sed -E 's/.*linking the Rust library ([^ ]*) .*/\1/' <<<"$said")
    if [[ -z $said || $said != *"(prebuilt, shipped in the npm package)" ]]; then
      cat "$log"; echo "FAIL $abi: CMake did not say it links the prebuilt library (got: '${said:-nothing}')"; failed=1; continue
    fi
    # (The host configure warns that the NDK's ANDROID_STL/... arguments went unused: no NDK here.)
    if tr '\n' ' ' <"$log" | tr -s ' ' | grep -q "react-native-otel-sessions: the Rust library .* is missing"; then
      cat "$log"; echo "FAIL $abi: configuring warned that the Rust library is missing"; failed=1; continue
    fi
    if ! grep -qF -- "$lib" "$dir/build/CMakeFiles/otelsessions.dir/link.txt"; then
      cat "$dir/build/CMakeFiles/otelsessions.dir/link.txt"
      echo "FAIL $abi: the generated link command does not link $lib"; failed=1; continue
    fi
    echo "ok   $abi: CMake links the prebuilt $lib"
    echo "$abi $lib" >>"$out"
  done
  return "$failed"
}
if [[ ${1:-} == --installed ]]; then
  [[ $# -eq 4 ]] || { echo "usage: scripts/native/android-cpp.sh --installed PACKAGE_DIR GRADLE_INPUTS_JSON OUT_TSV" >&2; exit 2; }
  installed "$2" "$3" "$4"
  exit
fi

no_rust=$WORK/no-rust-library # stays empty: the Rust library is missing on purpose
rm -rf "$no_rust" && mkdir -p "$no_rust"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
# CMake wraps its messages: compare text with the lines joined.
one_line() { tr '\n' ' ' <"$1" | tr -s ' '; }
missing="react-native-otel-sessions: the Rust library $PWD/$no_rust/aarch64-linux-android/release/libotel_sessions_jsi.a is missing (built from source by scripts/build-android); the Gradle task buildOtelSessionsRust builds it"


step "cmake: configure android/CMakeLists.txt (host clang + libc++, stand-in prefab packages)"
if ! cmake -S android -B "$WORK/build" -G "Unix Makefiles" \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$host_flags" \
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
