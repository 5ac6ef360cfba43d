#!/usr/bin/env bash
# Checks of the example app (example/) that run on a Linux machine (no Android SDK, no Xcode):
#   0. projects the native projects are React Native's app template (scripts/example/template.js
#               --check) and hold everything `react-native run-android` / `run-ios` need under
#               one set of names (scripts/example/check-projects.js); a self-test injects known
#               defects into a copy (the old non-AppCompat theme, no cleartext for Metro, ...)
#               and expects each one reported.
#   1. types    tsc (strict) on the app, with the library's TypeScript sources.
#   2. smoke    the app's screens in Jest with the library's in-memory mock: start with an
#               endpoint (and an init error), session card, actions, consent, history, flush.
#   3. bundle   Metro release bundles for Android and iOS (`react-native bundle`), each checked:
#               the library's sources are in it, one react and one react-native (the app's own).
# Prints one "ok"/"FAIL" line per check (details above it) and exits non-zero on any failure.
# Building and running the app on a device needs the Android SDK or Xcode: see example/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source scripts/example/ensure-example-deps.sh

WORK=target/example-check
mkdir -p "$WORK"
results=()
record() { # status text
  results+=("$(printf '%-4s %s' "$1" "$2")")
}
now_ms() { date +%s%3N; }

ensure_node_modules   # the root's: jest and test-renderer for the smoke test
ensure_example_deps

# The names check must catch each of these defects in a copy of the app: sed expression, file,
# and the text its report must contain.
PROJECT_DEFECTS=(
  's#@style/AppTheme#@android:style/Theme.Material.Light.NoActionBar#|android/app/src/main/AndroidManifest.xml|Theme.AppCompat'
  's#android:usesCleartextTraffic="[^"]*"##|android/app/src/main/AndroidManifest.xml|android:usesCleartextTraffic'
  "s#^target '[A-Za-z]*'#target 'Other'#|ios/Podfile|ios/Podfile: targets"
  's#PRODUCT_BUNDLE_IDENTIFIER = "[^"]*"#PRODUCT_BUNDLE_IDENTIFIER = "org.example.other"#|ios/OtelSessionsExample.xcodeproj/project.pbxproj|PRODUCT_BUNDLE_IDENTIFIER'
  's#INFOPLIST_FILE = [^;]*;#INFOPLIST_FILE = Other/Info.plist;#|ios/OtelSessionsExample.xcodeproj/project.pbxproj|INFOPLIST_FILE'
  "s#rootProject.name = .*#rootProject.name = 'Other'#|android/settings.gradle|rootProject.name"
  's#namespace "[^"]*"#namespace "com.other"#|android/app/build.gradle|applicationId'
  's#"displayName": "[^"]*"#"displayName": "Other"#|app.json|CFBundleDisplayName'
)
projects() {
  node scripts/example/template.js --check || return 1
  node scripts/example/check-projects.js || return 1
  if grep -n 'gradle wrapper' .github/workflows/native.yml; then
    echo ".github/workflows/native.yml: use the committed wrapper (./gradlew), do not generate one"; return 1
  fi
  local copy=$WORK/projects-selftest defect sed_expr file expect out n=0
  for defect in "${PROJECT_DEFECTS[@]}" "rm|android/gradle/wrapper/gradle-wrapper.jar|gradle-wrapper.jar: missing"; do
    IFS='|' read -r sed_expr file expect <<<"$defect"
    rm -rf "$copy" && mkdir -p "$copy"
    tar -C example --exclude=./node_modules -cf - . | tar -C "$copy" -xf -
    if [[ $sed_expr == rm ]]; then rm "$copy/$file"; else sed -i "$sed_expr" "$copy/$file"; fi
    if cmp -s "example/$file" "$copy/$file"; then echo "self-test: '$sed_expr' changed nothing in $file"; return 1; fi
    if out=$(node scripts/example/check-projects.js --example "$copy" --node-modules example/node_modules); then
      echo "self-test: the check passed with a defect in $file ($sed_expr)"; return 1
    fi
    grep -qF -- "$expect" <<<"$out" || { echo "self-test: '$expect' not reported for $file ($sed_expr):"; echo "$out"; return 1; }
    n=$((n + 1))
  done
  rm -rf "$copy"
  echo "self-test: $n defects injected, $n reported"
}
step "example: native projects (template, names, wrapper)"
if projects; then
  record ok "projects (React Native's template; names, wrapper, Info.plist, manifest consistent)"
else
  record FAIL "projects (React Native's template; names, wrapper, Info.plist, manifest consistent)"
fi

step "example: types (tsc -p example)"
if example/node_modules/.bin/tsc -p example/tsconfig.json; then
  record ok "types (tsc strict: example/ and the library's src-ts/)"
else
  record FAIL "types (tsc strict: example/ and the library's src-ts/)"
fi

step "example: smoke test (Jest, the library's mock)"
if node_modules/.bin/jest --ci --config scripts/example/jest.config.js; then
  record ok "smoke (the app's screens in Jest with the library's mock)"
else
  record FAIL "smoke (the app's screens in Jest with the library's mock)"
fi

# Metro's transform cache (in the system's temp folder) is reused between runs: a cold run
# takes about 25-30 s per platform on 2 cores, a warm one a few seconds.
bundle() { # platform
  local platform=$1 out=$WORK/$1 start elapsed size
  rm -rf "$out" && mkdir -p "$out"
  step "example: Metro bundle for $platform (release)"
  start=$(now_ms)
  if (cd example && node_modules/.bin/react-native bundle --platform "$platform" --dev false \
        --entry-file index.js --bundle-output "../$out/index.$platform.bundle" --assets-dest "../$out" \
        --sourcemap-output "../$out/index.$platform.bundle.map") >"$out/log" 2>&1 \
     && node scripts/example/check-bundle.js "$out/index.$platform.bundle" "$out/index.$platform.bundle.map"; then
    elapsed=$(( $(now_ms) - start ))
    size=$(wc -c <"$out/index.$platform.bundle")
    record ok "$(printf 'bundle %-7s %s KiB in %d.%d s (%s)' "$platform" $((size / 1024)) $((elapsed / 1000)) $((elapsed % 1000 / 100)) "$out/index.$platform.bundle")"
  else
    grep -v '^\s*$' "$out/log" | tail -30
    record FAIL "bundle $platform (log: $out/log)"
  fi
}
bundle android
bundle ios

echo
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
