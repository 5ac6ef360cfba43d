#!/usr/bin/env bash
# Evaluates android/build.gradle with Groovy (org.apache.groovy:groovy from Maven Central) against
# a small stand-in of the Gradle/AGP DSL that records what the script sets
# (scripts/native/gradle/StandInDsl.groovy), in a few app setups, and checks the result: the
# values the app passes through rootProject.ext, the CMake arguments, no androidx, and the Rust
# task (command, ABIs, inputs/outputs, ANDROID_NDK_HOME and ~/.cargo/bin at execution). A script
# error (such as the old `def minSdk` + `minSdk minSdk`) fails it; a self-test proves that.
# This is not Gradle: a real AGP build of the library is not run here (no Google Maven).
#
#   scripts/native/android-gradle.sh
#   scripts/native/android-gradle.sh --installed ANDROID_DIR INPUTS_JSON
#       an installed package's build.gradle (an app's node_modules): the prebuilt libraries, never
#       a Rust build; writes the CMake arguments and ABIs it would pass to INPUTS_JSON
#       (scripts/prebuilt/check-pack.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/native/android-deps.sh

groovy_cp=$(jvm_classpath groovy)
if (($#)); then args=("$@"); else args=(android); fi
java -cp "$groovy_cp" groovy.ui.GroovyMain scripts/native/gradle/evaluate-build-gradle.groovy "${args[@]}"
