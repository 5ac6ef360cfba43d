# What the Android checks compile and run against, from Maven Central (sourced, not run; by
# android-kotlin.sh, android-cpp.sh and android-gradle.sh). Versions are the pinned React
# Native's own (node_modules/react-native/gradle/libs.versions.toml); react-android is the newest
# release on Maven Central up to the pinned react-native (a Maven version range), and
# `android_react_version` says which one that is.
#
# Downloads land in ~/.m2 (Maven's cache); what is derived from them (each profile's classpath,
# the AARs' classes.jar and prefab headers) in target/android-jvm. Needs scripts/lib.sh (`step`,
# `ensure_apt`). Progress goes to stderr; functions that print a value print only that.

ANDROID_WORK=target/android-jvm
ANDROID_POM=scripts/native/jvm/pom.xml
ANDROID_RN=node_modules/react-native

# A JDK (javac, and its jni.h) and Maven, from Debian when missing.
ensure_jdk_maven() {
  if ! command -v javac >/dev/null || ! command -v mvn >/dev/null; then
    ensure_apt "the Android JVM checks" openjdk-17-jdk-headless maven
  fi
}

# The JDK's home (for include/jni.h).
jdk_home() {
  dirname "$(dirname "$(readlink -f "$(command -v javac)")")"
}

# A version from the pinned React Native's gradle/libs.versions.toml, e.g. `rn_lib_version kotlin`.
rn_lib_version() {
  local v
  v=$(sed -n "s/^$1 *= *\"\\([^\"]*\\)\".*/\\1/p" "$ANDROID_RN/gradle/libs.versions.toml" | head -1)
  [[ -n $v ]] || { echo "android-deps: no '$1' version in $ANDROID_RN/gradle/libs.versions.toml" >&2; return 1; }
  echo "$v"
}

# The -D properties of scripts/native/jvm/pom.xml.
android_maven_props() {
  local pinned
  pinned=$(node -p "require('./$ANDROID_RN/package.json').version") || return 1
  echo "-Dreact.version=[0.76.0,$pinned]" \
    "-Dkotlin.version=$(rn_lib_version kotlin)" \
    "-Dfbjni.version=$(rn_lib_version fbjni)" \
    "-Dokhttp.version=$(rn_lib_version okhttp)" \
    "-Dokio.version=$(rn_lib_version okio)" \
    "-Drobolectric.version=$(rn_lib_version robolectric)" \
    "-Djunit.version=$(rn_lib_version junit)" \
    "-Dproguard.annotations.version=$(rn_lib_version yoga-proguard-annotations)" \
    "-Dinfer.annotation.version=$(rn_lib_version infer-annotation)"
}

# The classes.jar (and prefab/) of an AAR, extracted once; prints the folder.
aar_dir() {
  local aar=$1 dir
  dir=$ANDROID_WORK/aar/$(basename "$aar" .aar)
  if [[ ! -f $dir/.done ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    unzip -q -o "$aar" 'classes.jar' 'prefab/*' -x 'prefab/modules/*/libs/*' -d "$dir" 2>/dev/null \
      || unzip -q -o "$aar" 'classes.jar' -d "$dir" || return 1
    touch "$dir/.done"
  fi
  echo "$dir"
}

# A profile's classpath (kotlinc, android, test, groovy: see pom.xml), with each AAR replaced by
# its classes.jar. Maven runs only when the pom or the versions changed (or a file went missing).
jvm_classpath() {
  local profile=$1 props key file entry out=()
  ensure_jdk_maven
  props=$(android_maven_props) || return 1
  key=$( (cat "$ANDROID_POM"; echo "$props") | sha1sum | cut -c1-12)
  file=$ANDROID_WORK/cp/$profile-$key.txt
  if [[ -f $file ]]; then
    while IFS= read -r entry || [[ -n $entry ]]; do [[ -f $entry ]] || { rm -f "$file"; break; }; done < <(tr ':' '\n' <"$file")
  fi
  if [[ ! -f $file ]]; then
    step "Maven Central: resolving the '$profile' classpath (cached in ~/.m2)"
    mkdir -p "$ANDROID_WORK/cp"
    # shellcheck disable=SC2086
    mvn -B -q -Dstyle.color=never -f "$ANDROID_POM" -P "$profile" $props dependency:build-classpath \
      -Dmdep.outputFile="$PWD/$file.tmp" >&2 || { echo "android-deps: Maven could not resolve '$profile'" >&2; return 1; }
    mv "$file.tmp" "$file"
  fi
  while IFS= read -r entry || [[ -n $entry ]]; do
    if [[ $entry == *.aar ]]; then
      out+=("$(aar_dir "$entry")/classes.jar") || return 1
    else
      out+=("$entry")
    fi
  done < <(tr ':' '\n' <"$file")
  (IFS=:; echo "${out[*]}")
}

# The react-android version the android classpath resolved to.
android_react_version() {
  local cp
  cp=$(jvm_classpath android) || return 1
  tr ':' '\n' <<<"$cp" | sed -n 's#.*/aar/react-android-\([^/]*\)-release/classes.jar#\1#p'
}

# The extracted react-android and fbjni AAR folders (for their prefab headers).
android_aar_dirs() {
  local cp
  cp=$(jvm_classpath android) || return 1
  tr ':' '\n' <<<"$cp" | grep -E '/aar/(react-android|fbjni)-[^/]*/classes.jar$' | xargs -n1 dirname
}

# Says plainly when react-android is not the pinned version (not yet on Maven Central).
note_react_version() {
  local pinned used
  pinned=$(node -p "require('./$ANDROID_RN/package.json').version")
  used=$(android_react_version) || return 1
  if [[ $used != "$pinned" ]]; then
    echo "note: react-android $pinned is not on Maven Central; using $used, the newest release up to it" \
      "(check-symbols.js checks the glue's names against $pinned's sources)" >&2
  fi
}
