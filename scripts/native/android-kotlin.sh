#!/usr/bin/env bash
# The Android Kotlin glue on the JVM, without Gradle, the SDK or a device:
#   1. compiles android/src/main/java with kotlinc (warnings are errors) against react-android,
#      fbjni, OkHttp and the Android framework (Robolectric's android-all), all from Maven
#      Central at the pinned React Native's versions, plus the Java spec codegen generated (javac);
#   2. compiles the JVM tests (android/src/jvmTest) and runs them: Robolectric drives activities
#      for the lifecycle and the module, and the OkHttp transport talks to our fault-injecting
#      receiver (rust/otlp-receiver) on loopback, with a recording double of libotelsessions.so;
#      then the host build of the real libotelsessions.so (scripts/native/android-host-jni.sh)
#      is loaded through JNI and a record travels Rust -> C++ -> Kotlin -> OkHttp -> receiver.
#
#   scripts/native/android-kotlin.sh CODEGEN_ANDROID_DIR
#
# CODEGEN_ANDROID_DIR: codegen's Android output (check-native.sh makes it), holding
# java/com/otelsessions/NativeOtelSessionsSpec.java. A compile whose inputs did not change is
# skipped (target/android-jvm/kotlin/*/inputs.sha1). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/native/android-deps.sh

codegen=${1:?usage: android-kotlin.sh CODEGEN_ANDROID_DIR (codegen output with java/com/otelsessions/*.java)}
spec_java=$(find "$codegen/java" -name '*.java' 2>/dev/null | sort)
[[ -n $spec_java ]] || { echo "android-kotlin: no Java spec under $codegen/java; run codegen first (scripts/check-native.sh)" >&2; exit 1; }

OUT=$ANDROID_WORK/kotlin
kotlinc_cp=$(jvm_classpath kotlinc)
android_cp=$(jvm_classpath android)
test_cp=$(jvm_classpath test)
note_react_version
echo "react-android $(android_react_version), Kotlin $(rn_lib_version kotlin), OkHttp $(rn_lib_version okhttp), Robolectric $(rn_lib_version robolectric)"

kotlinc() {
  java -Xmx1g -cp "$kotlinc_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
    -no-stdlib -no-reflect -jvm-target 17 -Werror -Xjsr305=strict "$@"
}

# Runs "$@" (a compile into DIR) unless the sources and classpath it saw last time are unchanged.
compile_once() { # dir sources_dir... -- command...
  local dir=$1; shift
  local srcs=()
  while [[ $1 != -- ]]; do srcs+=("$1"); shift; done
  shift
  local stamp
  stamp=$( (find "${srcs[@]}" -type f -print0 | sort -z | xargs -0 sha1sum; echo "$* $android_cp $test_cp") \
    | sha1sum | cut -c1-40)
  if [[ -f $dir/inputs.sha1 && $(cat "$dir/inputs.sha1") == "$stamp" ]]; then
    echo "up to date: $dir"
    return 0
  fi
  rm -rf "$dir" && mkdir -p "$dir/classes"
  "$@"
  echo "$stamp" >"$dir/inputs.sha1"
}

main_compile() {
  kotlinc -module-name react-native-otel-sessions -cp "$android_cp" -d "$OUT/main/classes" \
    android/src/main/java "$codegen/java"
  # shellcheck disable=SC2086
  javac --release 17 -Xlint:all -Werror -cp "$OUT/main/classes:$android_cp" -d "$OUT/main/classes" $spec_java
}
step "kotlinc: android/src/main/java (warnings are errors)"
compile_once "$OUT/main" android/src/main/java "$codegen/java" scripts/native/android-kotlin.sh -- main_compile

test_compile() {
  kotlinc -module-name react-native-otel-sessions-jvmtest -Xfriend-paths="$OUT/main/classes" \
    -cp "$OUT/main/classes:$android_cp:$test_cp" -d "$OUT/test/classes" android/src/jvmTest/java
}
step "kotlinc: android/src/jvmTest (warnings are errors)"
compile_once "$OUT/test" android/src/jvmTest/java "$OUT/main/inputs.sha1" scripts/native/android-kotlin.sh -- test_compile

receiver=$(build_receiver)
host_jni=$(bash scripts/native/android-host-jni.sh)
step "JVM tests: Robolectric (lifecycle, module), OkHttp against the loopback receiver, the host JNI end to end"
# Robolectric runs the framework from its own instrumented jar, offline, on the one Maven fetched
# above; the plain android-all stays on the classpath for what JUnit reads outside the sandbox
# (as android.jar is on a Gradle unit test's classpath).
run_cp="$OUT/test/classes:$OUT/main/classes:$android_cp:$test_cp"
instrumented=$(tr ':' '\n' <<<"$test_cp" | grep '/android-all-instrumented-[^/]*\.jar$')
java -Xmx1g -cp "$run_cp" \
  -Drobolectric.offline=true -Drobolectric.dependency.dir="$(dirname "$instrumented")" \
  -Drobolectric.logging.enabled=false \
  -Dotelsessions.receiver="$PWD/$receiver" -Dotelsessions.tmp="$PWD/$ANDROID_WORK/tmp" \
  -Djava.library.path="$PWD/$host_jni" -Dotelsessions.hostjni="$PWD/$host_jni" \
  com.otelsessions.RunJvmTests
