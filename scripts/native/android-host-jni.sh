#!/usr/bin/env bash
# Builds, for the HOST (x86_64 Linux, clang + libc++, the JDK's jni.h), the two native libraries
# an Android app loads, so the JVM tests can load the real JNI code:
#   libfbjni.so         fbjni, from the sources its AAR ships beside its prefab headers;
#   libotelsessions.so  android/src/main/cpp + rust/jsi/cpp + the Rust library (built for the
#                       host: cargo build -p otel-sessions-jsi), React Native's
#                       BindingsInstallerHolder/CallInvokerHolder and jsi.cpp, plus the test-only
#                       android/src/jvmTest/cpp/HostTestJni.cpp (init, call, flush for the test).
# Prints the folder holding both (for -Djava.library.path); everything else goes to stderr.
# Objects are cached in target/android-jvm/host-jni and rebuilt when their inputs change.
# Not the NDK build: no bionic, no __ANDROID__ branches, not the app's React Native libraries.
#
#   scripts/native/android-host-jni.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/native/android-deps.sh

ensure_apt "the host build of the Android JNI libraries" clang libc++-14-dev libc++abi-14-dev
OUT=$ANDROID_WORK/host-jni
mkdir -p "$OUT/obj"
react_aar=$(android_aar_dirs | grep '/react-android-')
fbjni_aar=$(android_aar_dirs | grep '/fbjni-')
fbjni_src=$fbjni_aar/prefab/modules/fbjni/include
rn_jni=$ANDROID_RN/ReactAndroid/src/main/jni/react/turbomodule/ReactCommon
jdk_include=$(jdk_home)/include
cxx=(clang++ -std=c++20 -stdlib=libc++ -fPIC -fexceptions -frtti -O1 -g0
  -isystem "$jdk_include" -isystem "$jdk_include/linux")

# Compiles every source of a group when any input of the group is newer than its stamp.
build_group() { # name "flags" inputs_dir... -- sources...
  local name=$1 flags=$2; shift 2
  local inputs=() sources=()
  while [[ $1 != -- ]]; do inputs+=("$1"); shift; done
  shift
  sources=("$@")
  local stamp=$OUT/obj/$name.stamp
  if [[ -f $stamp ]] && [[ -z $(find "${inputs[@]}" "$0" -newer "$stamp" -type f -print -quit) ]]; then
    return 0
  fi
  step "clang (host): $name (${#sources[@]} files)"
  local src
  for src in "${sources[@]}"; do
    # shellcheck disable=SC2086
    "${cxx[@]}" $flags -c "$src" -o "$OUT/obj/$name-$(basename "$src" .cpp).o" >&2
  done
  touch "$stamp"
}

# fbjni exactly as its AAR ships it (warnings are fbjni's, not ours: -w).
build_group fbjni "-w -I$fbjni_src" "$fbjni_src" -- \
  "$fbjni_src"/fbjni/*.cpp "$fbjni_src"/fbjni/detail/*.cpp \
  "$fbjni_src"/lyra/{lyra,lyra_exceptions,cxa_throw}.cpp
if [[ ! -f $OUT/libfbjni.so || -n $(find "$OUT/obj" -name 'fbjni-*.o' -newer "$OUT/libfbjni.so" -print -quit) ]]; then
  "${cxx[@]}" -shared "$OUT"/obj/fbjni-*.o -Wl,-soname,libfbjni.so -Wl,-z,defs -lpthread -ldl -o "$OUT/libfbjni.so" >&2
fi

ours_flags="-Wall -Wextra -Werror -DFOLLY_NO_CONFIG=1 -DFOLLY_USE_LIBCPP=1 -DFOLLY_MOBILE=1
  -DFOLLY_CFG_NO_COROUTINES=1 -DFOLLY_HAVE_PTHREAD=1
  -Iandroid/src/main/cpp -Irust/jsi/cpp -Irust/jsi/include
  -isystem $react_aar/prefab/modules/jsi/include -isystem $react_aar/prefab/modules/reactnative/include
  -isystem $fbjni_src"
build_group ours "$ours_flags" android/src/main/cpp android/src/jvmTest/cpp rust/jsi/cpp rust/jsi/include -- \
  android/src/main/cpp/*.cpp rust/jsi/cpp/*.cpp android/src/jvmTest/cpp/*.cpp
# React Native's own sources for what libreactnative.so would provide (same headers as the AAR's).
build_group reactnative "-w $ours_flags" "$rn_jni" "$ANDROID_RN/ReactCommon/jsi/jsi" -- \
  "$rn_jni/BindingsInstallerHolder.cpp" "$rn_jni/CallInvokerHolder.cpp" "$ANDROID_RN/ReactCommon/jsi/jsi/jsi.cpp"

cargo build --quiet --locked -p otel-sessions-jsi >&2
rust_lib=target/debug/libotel_sessions_jsi.a
lib=$OUT/libotelsessions.so
if [[ ! -f $lib || -n $(find "$OUT/obj" "$rust_lib" "$OUT/libfbjni.so" -newer "$lib" -type f -print -quit) ]]; then
  "${cxx[@]}" -shared "$OUT"/obj/ours-*.o "$OUT"/obj/reactnative-*.o "$rust_lib" \
    -L"$OUT" -lfbjni -Wl,-rpath,'$ORIGIN' -Wl,-soname,libotelsessions.so -Wl,-z,defs \
    -lpthread -ldl -lm -o "$lib" >&2
fi
echo "$OUT"
