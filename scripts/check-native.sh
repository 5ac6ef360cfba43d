#!/usr/bin/env bash
# Checks of the Android/iOS glue that can run on a Linux machine (no NDK, no Xcode here):
#   1. codegen      React Native's codegen generates the module's Android and iOS artifacts from
#                   the spec, with the names the glue extends/conforms to.
#   2. symbols      every React Native class, header, CMake target and member the glue names
#                   exists in the pinned react-native and in the oldest supported one (0.76.9);
#                   a self-test injects bogus names into a copy of the glue and expects failure.
#   3. autolinking  in example/, `npx react-native config` resolves this package for both platforms.
#   4. adapter      the platform-neutral C++ adapter (android/src/main/cpp) compiles against both
#                   versions' headers and installs/invalidates the binding in a real jsi::Runtime.
#   5. ios-glue     rules of ios/ no compiler here enforces (scripts/native/check-ios-glue.js):
#                   extension-safe UIApplication, UIKit on the main thread, main-queue setup, no
#                   %s formats, the transport registered in -init, codegen's modulesProvider; a
#                   self-test injects one defect per rule into a copy and expects each reported.
#   6. apple-names  every Apple SDK name in ios/ is declared in GNUstep's Foundation headers or
#                   used by React Native's own iOS sources (scripts/native/apple-names.txt lists
#                   them and the few that neither covers, printed as unchecked).
#   7. podspec      the podspec evaluated with Ruby against a stand-in CocoaPods DSL: in an app's
#                   Podfile, without React Native's helpers, without the Rust xcframework, with
#                   the prebuilt one (vendored, nothing built) and forced to build from source.
#   8. android-gradle  android/build.gradle evaluates with Groovy against a stand-in of the
#                   Gradle/AGP DSL in several app setups, building Rust from source or linking
#                   prebuilt libraries (scripts/native/android-gradle.sh).
#   9. android-kotlin  android/src/main/java compiles with kotlinc against react-android, fbjni,
#                   OkHttp and android-all from Maven Central (warnings are errors); the JVM tests
#                   run: Robolectric lifecycle/module, OkHttp against the loopback receiver
#                   (scripts/native/android-kotlin.sh).
#  10. android-cpp  the Android C++ compiles on the host through android/CMakeLists.txt against
#                   the AARs' prefab headers, -Wall -Wextra -Werror (scripts/native/android-cpp.sh).
#  11. android-jni  the JNI descriptors fbjni derives from the C++ equal the compiled Kotlin's
#                   (scripts/native/android-jni.sh).
# Prints one "ok"/"FAIL" line per check (details above it) and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/example/ensure-example-deps.sh

OLDEST_RN=0.76.9   # keep in step with peerDependencies in package.json and scripts/test-jsi.sh
PINNED=node_modules/react-native
OLDEST=target/rn-compat/full/react-native-$OLDEST_RN
WORK=target/native-check
mkdir -p "$WORK"
results=()
record() { # name status
  results+=("$(printf '%-4s %s' "$2" "$1")")
}
run_check() { # name function
  local name=$1; shift
  step "native: $name"
  if "$@"; then record "$name" ok; else record "$name" FAIL; fi
}

ensure_node_modules

# The whole react-native@OLDEST package (test-jsi.sh extracts only jsi/jsc/callinvoker), cached.
ensure_oldest_rn() {
  [[ -f $OLDEST/package.json ]] && return
  step "fetching react-native@$OLDEST_RN (npm pack)"
  mkdir -p "$OLDEST"
  local tgz
  tgz=$(cd "$(dirname "$OLDEST")" && npm pack --silent "react-native@$OLDEST_RN" 2>/dev/null | tail -1)
  tar -xzf "$(dirname "$OLDEST")/$tgz" -C "$OLDEST" --strip-components=1
  rm -f "$(dirname "$OLDEST")/$tgz"
}

# Generates the spec's artifacts the way React Native's builds do for a library: the JS spec to
# a schema, then generate-specs-cli per platform (Gradle plugin on Android, CocoaPods on iOS).
codegen() {
  local lib java_pkg out=$WORK/codegen
  lib=$(node -p "require('./package.json').codegenConfig.name")
  java_pkg=$(node -p "require('./package.json').codegenConfig.android.javaPackageName")
  rm -rf "$out" && mkdir -p "$out"
  node node_modules/@react-native/codegen/lib/cli/combine/combine-js-to-schema-cli.js \
    --platform android --libraryName "$lib" "$out/schema.json" src-ts >"$out/log" 2>&1 \
    && node "$PINNED/scripts/generate-specs-cli.js" --platform android --schemaPath "$out/schema.json" \
      --outputDir "$out/android" --libraryName "$lib" --javaPackageName "$java_pkg" >>"$out/log" 2>&1 \
    && node "$PINNED/scripts/generate-specs-cli.js" --platform ios --schemaPath "$out/schema.json" \
      --outputDir "$out/ios" --libraryName "$lib" >>"$out/log" 2>&1 \
    || { cat "$out/log"; return 1; }
  node scripts/native/check-codegen.js "$out/android" "$out/ios"
}

symbols() {
  ensure_oldest_rn
  node scripts/native/check-symbols.js --glue . --codegen-ios "$WORK/codegen/ios" "$PINNED" "$OLDEST" || return 1
  # Self-test: the same check must fail on a copy of the glue with one bogus name of each kind.
  local copy=$WORK/glue-selftest out
  rm -rf "$copy" && mkdir -p "$copy"
  cp -r android ios react-native-otel-sessions.podspec "$copy/"
  rm -rf "$copy/android/build" "$copy/android/.cxx"
  sed -i 's/^import com.facebook.react.bridge.ReactApplicationContext$/import com.facebook.react.bridge.NoSuchContext/' \
    "$copy/android/src/main/java/com/otelsessions/OtelSessionsModule.kt"
  sed -i 's#<React/RCTLog.h>#<React/RCTNoSuchHeader.h>#' "$copy/ios/OtelSessions.mm"
  sed -i 's#<ReactCommon/CallInvokerHolder.h>#<ReactCommon/NoSuchHolder.h>#' "$copy/android/src/main/cpp/OtelSessionsJni.cpp"
  sed -i 's/ReactAndroid::reactnative/ReactAndroid::nosuchtarget/' "$copy/android/CMakeLists.txt"
  if out=$(node scripts/native/check-symbols.js --glue "$copy" --codegen-ios "$WORK/codegen/ios" "$PINNED" "$OLDEST"); then
    echo "self-test: the check passed on a glue copy with bogus names"; return 1
  fi
  local bogus
  for bogus in NoSuchContext RCTNoSuchHeader.h NoSuchHolder.h ReactAndroid::nosuchtarget; do
    grep -q "$bogus" <<<"$out" || { echo "self-test: '$bogus' was not reported"; echo "$out"; return 1; }
  done
  echo "self-test: 4 bogus names injected, 4 reported"
}

# In example/, with its own node_modules (ensure_example_deps).
autolinking() {
  ensure_example_deps || return 1
  (cd example && npx --no-install react-native config) >"$WORK/config.json" 2>"$WORK/config.err" \
    || { cat "$WORK/config.err"; return 1; }
  node scripts/native/check-autolinking.js <"$WORK/config.json"
}

# Builds and runs scripts/native/host-adapter-test.cpp against one react-native package.
adapter_for() { # rn_dir label
  local rn=$1 label=$2 exe=$WORK/adapter-test-$2
  # shellcheck disable=SC2046
  g++ -std=c++20 -O0 -Wall -Wno-unused-parameter -Werror=return-type \
    -I"$rn/ReactCommon" -I"$rn/ReactCommon/jsi" -I"$rn/ReactCommon/callinvoker" \
    -Iandroid/src/main/cpp -Irust/jsi/cpp -Irust/jsi/include $(pkg-config --cflags javascriptcoregtk-4.1) \
    scripts/native/host-adapter-test.cpp android/src/main/cpp/RuntimeBinding.cpp rust/jsi/cpp/OtelSessionsJsi.cpp \
    "$rn/ReactCommon/jsc/JSCRuntime.cpp" "$rn/ReactCommon/jsi/jsi/jsi.cpp" target/debug/libotel_sessions_jsi.a \
    $(pkg-config --libs javascriptcoregtk-4.1) -lpthread -ldl -lm -o "$exe" || return 1
  echo "react-native $label:"
  "$exe"
}
adapter() {
  ensure_jsc
  ensure_oldest_rn
  cargo build --quiet --locked -p otel-sessions-jsi || return 1
  adapter_for "$PINNED" "$(node -p "require('./$PINNED/package.json').version")" && adapter_for "$OLDEST" "$OLDEST_RN"
}

# Debian's Ruby (podspec) and GNUstep's Foundation headers (Apple names), installed once.
ensure_ios_check_tools() {
  ensure_apt "the iOS checks: the podspec in Ruby, Apple names in GNUstep's Foundation headers" ruby libgnustep-base-dev
}

# Each defect: file, sed expression, the rule the report must name.
IOS_DEFECTS=(
  'ios/OTSAppLifecycle.mm|s/RCTSharedApplication()/UIApplication.sharedApplication/|extension-safe'
  'ios/OTSPlatformInfo.mm|s/RCTUnsafeExecuteOnMainQueueSync(^{/dispatch_async(dispatch_get_main_queue(), ^{/|main-thread'
  'ios/OtelSessions.mm|s/return YES;/return NO;/|main-setup'
  'ios/OtelSessions.mm|s/\[@"installing the JSI binding failed: " stringByAppendingString:what\]/[NSString stringWithFormat:@"installing the JSI binding failed: %s", e.what()]/|utf8-format'
  'ios/OtelSessions.mm|/\[OTSHttpTransport install\]/d|transport'
  'package.json|s/"OtelSessions": "OtelSessions"/"Other": "OtelSessions"/|provider'
)
ios_glue() {
  node scripts/native/check-ios-glue.js || return 1
  local copy=$WORK/ios-selftest defect file expr rule out
  for defect in "${IOS_DEFECTS[@]}"; do
    IFS='|' read -r file expr rule <<<"$defect"
    rm -rf "$copy" && mkdir -p "$copy" && cp -r ios package.json "$copy/"
    sed -i "$expr" "$copy/$file"
    if cmp -s "$file" "$copy/$file"; then echo "self-test: '$expr' changed nothing in $file"; return 1; fi
    if out=$(node scripts/native/check-ios-glue.js --glue "$copy"); then
      echo "self-test: the check passed with a $rule defect in $file"; return 1
    fi
    grep -q ": $rule:" <<<"$out" || { echo "self-test: no '$rule' report for $file:"; echo "$out"; return 1; }
  done
  rm -rf "$copy"
  echo "self-test: ${#IOS_DEFECTS[@]} defects injected, ${#IOS_DEFECTS[@]} reported"
}

apple_names() {
  ensure_ios_check_tools || return 1
  local names=(--foundation /usr/include/GNUstep/Foundation --react-native "$PINNED") copy=$WORK/apple-selftest out
  node scripts/native/check-apple-names.js "${names[@]}" || return 1
  # Self-test: a name the list does not know, in a copy of the glue, must be reported.
  rm -rf "$copy" && mkdir -p "$copy" && cp -r ios "$copy/"
  echo 'static NSURLSessionNoSuchThing *const kBogus = nil;' >>"$copy/ios/OTSHttpTransport.mm"
  if out=$(node scripts/native/check-apple-names.js "${names[@]}" --glue "$copy"); then
    echo "self-test: the check passed with an unknown Apple name"; return 1
  fi
  grep -q "NSURLSessionNoSuchThing is not in" <<<"$out" || { echo "self-test: the unknown name was not reported:"; echo "$out"; return 1; }
  rm -rf "$copy"
  echo "self-test: an unknown Apple name injected and reported"
}

podspec() {
  ensure_ios_check_tools || return 1
  ruby scripts/native/check-podspec.rb react-native-otel-sessions.podspec "$PINNED"
}

run_check "codegen (Android + iOS artifacts from the spec)" codegen
run_check "symbols (glue names exist in react-native pinned + $OLDEST_RN)" symbols
run_check "autolinking (npx react-native config in example/)" autolinking
run_check "adapter (C++ compiles and runs on the host, pinned + $OLDEST_RN)" adapter
run_check "ios-glue (extension-safe, main thread, main-queue setup, UTF-8, transport, provider)" ios_glue
run_check "apple-names (Apple SDK names in ios/: GNUstep Foundation, React Native's iOS sources)" apple_names
run_check "podspec (Ruby: app Podfile, bare, no xcframework, prebuilt, forced from source)" podspec
run_check "android-gradle (build.gradle evaluates with Groovy, 5 app setups from source, 4 with prebuilt libraries)" bash scripts/native/android-gradle.sh
run_check "android-kotlin (kotlinc vs react-android from Maven Central; JVM tests)" \
  bash scripts/native/android-kotlin.sh "$WORK/codegen/android"
run_check "android-cpp (host clang + libc++ via CMakeLists.txt vs the AARs' prefab headers)" \
  bash scripts/native/android-cpp.sh
run_check "android-jni (C++ and Kotlin JNI descriptors agree)" \
  bash scripts/native/android-jni.sh target/android-jvm/kotlin/main/classes

echo
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
