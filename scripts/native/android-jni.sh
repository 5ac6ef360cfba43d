#!/usr/bin/env bash
# The JNI seam between the Android Kotlin and C++, checked on the host: the descriptors fbjni
# derives from the C++ signatures (every method OtelSessionsJni.cpp registers, and
# OkHttpTransport.send, which HttpTransportJni.cpp calls) must be exactly the compiled Kotlin's
# (javap), and every `external` method of OtelSessionsNative must be registered. On a device a
# mismatch is a crash when the library loads (registerNatives) or at the first upload.
#
#   scripts/native/android-jni.sh CLASSES_DIR
#
# CLASSES_DIR: the compiled android/src/main/java (scripts/native/android-kotlin.sh writes
# target/android-jvm/kotlin/main/classes). Builds scripts/native/jni-descriptors.cpp with host
# clang against the AARs' prefab headers (statically: it only prints, it calls nothing).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/native/android-deps.sh

ensure_apt "the JNI descriptor check" clang libc++-14-dev libc++abi-14-dev
classes=${1:?usage: android-jni.sh CLASSES_DIR (compiled android/src/main/java)}
[[ -f $classes/com/otelsessions/OtelSessionsNative.class ]] \
  || { echo "android-jni: no OtelSessionsNative.class under $classes; run scripts/native/android-kotlin.sh first" >&2; exit 1; }

WORK=$ANDROID_WORK/jni
mkdir -p "$WORK"
react_aar=$(android_aar_dirs | grep '/react-android-')
fbjni_aar=$(android_aar_dirs | grep '/fbjni-')
jdk_include=$(jdk_home)/include
exe=$WORK/jni-descriptors
sources=(scripts/native/jni-descriptors.cpp android/src/main/cpp/*.cpp android/src/main/cpp/*.h)
stale=0
for f in "${sources[@]}"; do [[ -f $exe && $exe -nt $f ]] || stale=1; done
if ((stale)); then
  step "clang: scripts/native/jni-descriptors.cpp (descriptors as fbjni derives them)"
  clang++ -std=c++20 -stdlib=libc++ -fexceptions -frtti -Wall -Wextra -Werror \
    -DFOLLY_NO_CONFIG=1 -DFOLLY_USE_LIBCPP=1 -DFOLLY_MOBILE=1 -DFOLLY_CFG_NO_COROUTINES=1 -DFOLLY_HAVE_PTHREAD=1 \
    -Iandroid/src/main/cpp -Irust/jsi/cpp -Irust/jsi/include \
    -isystem "$react_aar/prefab/modules/jsi/include" -isystem "$react_aar/prefab/modules/reactnative/include" \
    -isystem "$fbjni_aar/prefab/modules/fbjni/include" -isystem "$jdk_include" -isystem "$jdk_include/linux" \
    scripts/native/jni-descriptors.cpp -static -Wl,--unresolved-symbols=ignore-all -o "$exe"
fi

# "class.method descriptor" for the native methods of a class, or for one named method.
javap_methods() { # class [method]
  javap -s -p -cp "$classes" "$1" | awk -v cls="${1//.//}" -v want="${2:-}" '
    /\(/ && !/descriptor:/ { line = $0; name = $0; sub(/\(.*/, "", name); sub(/.* /, "", name) }
    /descriptor:/ {
      if ((want == "" && line ~ / native /) || (want != "" && name == want)) print cls "." name " " $2
    }' | sort
}

cpp=$("$exe" | sort)
kotlin=$( (javap_methods com.otelsessions.OtelSessionsNative; javap_methods com.otelsessions.OkHttpTransport send) | sort)
compare() { # expected actual -> prints the differences, fails if any
  local diff
  diff=$(diff <(echo "$1") <(echo "$2") | grep '^[<>]' || true)
  [[ -z $diff ]] && return 0
  echo "$diff" | sed 's/^</  C++ only:   /; s/^>/  Kotlin only:/'
  return 1
}
if ! compare "$cpp" "$kotlin"; then
  echo "FAIL: the JNI descriptors of the C++ and the compiled Kotlin differ (above)"
  exit 1
fi
echo "ok: $(wc -l <<<"$cpp") JNI methods, the same descriptors in C++ (fbjni) and Kotlin (javap):"
sed 's/^/  /' <<<"$cpp"
# Self-test: one changed descriptor must be reported.
if compare "$cpp" "$(sed '1s/)/)X/' <<<"$kotlin")" >/dev/null; then
  echo "FAIL self-test: a changed descriptor was not reported"
  exit 1
fi
