#!/usr/bin/env bash
# Issue 20's checks (npm test): the package `npm pack` makes carries the prebuilt Rust library,
# and an app that installs it builds without Rust.
#
#   1. pack       scripts/prebuilt/pack.sh: npm pack with its prepack (assemble.sh: the device
#                 builds, cached on their inputs, stripped, the xcframework) and its sizes
#   2. install    the tarball installed into a scratch app, as a user does
#                 (`npm install ./react-native-otel-sessions-*.tgz` in target/prebuilt/app), with
#                 the pinned react-native beside it
#   3. resolve    the installed package's build inputs, as the app's build resolves them:
#                 Gradle (scripts/native/android-gradle.sh --installed): the prebuilt libraries,
#                 no Rust task, the CMake arguments; CMake (android-cpp.sh --installed): for each
#                 ABI, the library the generated link command links; the podspec
#                 (check-podspec.rb --installed): the xcframework it vendors, nothing built
#   4. listing    the tarball's own listing (scripts/check-package.js --tarball) holds every file
#                 step 3 resolved, the package's entry points, and nothing an app never needs
#   5. xcframework  its structure against the format, with a self-test (check-xcframework.js)
#   6. symbols    each installed library exports exactly the C ABI and imports only system
#                 symbols (scripts/device/check-symbols.js), and links: Android ABIs by
#                 scripts/device/link-android.sh, iOS architectures by link-ios.sh (ld64.lld);
#                 each linked result equals the link of the unstripped build (the stripping
#                 removed nothing an app links)
#   7. source     building from source stays possible from the package: its Cargo workspace
#                 loads (every declared target present; cargo fetch --locked)
#
#   scripts/prebuilt/check-pack.sh
# Writes target/prebuilt/results.json (sizes, pack.sh) and target/prebuilt/linked.json (linked
# sizes per target). Prints one ok/FAIL line per check; exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh
source scripts/device/android-abis.sh

WORK=target/prebuilt
APP=$WORK/app
PKG=$APP/node_modules/react-native-otel-sessions
results=()
record() { results+=("$(printf '%-4s %s' "$2" "$1")"); }

ensure_apt "the podspec in Ruby; Python's plistlib reads the xcframework's Info.plist" ruby python3

step "prebuilt: 1. npm pack"
tgz=$(bash scripts/prebuilt/pack.sh)
# pack.sh's stdout is its value: the tarball's path and nothing else.
[[ $(wc -l <<<"$tgz") -eq 1 && -f $tgz ]] || { echo "FAIL: scripts/prebuilt/pack.sh printed more than one path: $tgz" >&2; exit 1; }
record "pack: $(basename "$tgz") ($(node -p "(require('./$WORK/results.json').packedBytes / 1e6).toFixed(2)") MB packed)" ok

step "prebuilt: 2. npm install ./$(basename "$tgz") into a scratch app"
rm -rf "$APP" && mkdir -p "$APP"
echo '{ "name": "scratch-app", "version": "0.0.0", "private": true }' >"$APP/package.json"
# --legacy-peer-deps: the peers (react, react-native) are not fetched; the pinned react-native is
# linked in instead, where Gradle and the podspec look for the app's.
(cd "$APP" && npm install --no-audit --no-fund --legacy-peer-deps "$tgz") >&2
ln -sfn "$PWD/node_modules/react-native" "$APP/node_modules/react-native"
[[ -f $PKG/package.json ]] || { echo "FAIL: the tarball did not install into $PKG" >&2; exit 1; }
record "install: $PKG" ok

step "prebuilt: 3. the installed package's build inputs (Gradle, CMake, podspec)"
resolved=()
: >"$WORK/cmake-libraries.tsv"
if bash scripts/native/android-gradle.sh --installed "$PKG/android" "$WORK/gradle-inputs.json" >&2; then
  record "gradle: prebuilt libraries for $(node -p "require('./$WORK/gradle-inputs.json').abiFilters.join(', ')"), no Rust task" ok
  if bash scripts/native/android-cpp.sh --installed "$PKG" "$WORK/gradle-inputs.json" "$WORK/cmake-libraries.tsv" >&2; then
    record "cmake: every ABI links android/prebuilt/<abi>/libotel_sessions_jsi.a" ok
  else
    record "cmake: the installed CMakeLists.txt links the prebuilt libraries" FAIL
  fi
else
  record "gradle: the installed build.gradle uses the prebuilt libraries" FAIL
fi
while read -r abi lib; do resolved+=("${lib#"$PWD/$PKG/"}"); done <"$WORK/cmake-libraries.tsv"
if ruby scripts/native/check-podspec.rb --installed "$PKG" node_modules/react-native "$WORK/podspec-inputs.json" >&2; then
  xcf=$(node -p "require('./$WORK/podspec-inputs.json').vendoredFrameworks[0]")
  record "podspec: vendors ${xcf#"$PWD/$PKG/"}, builds nothing" ok
  resolved+=("${xcf#"$PWD/$PKG/"}/Info.plist")
  while read -r _ _ file; do resolved+=("${file#"$PWD/$PKG/"}"); done < <(node scripts/prebuilt/xcframework.js slices "$xcf" | sort -u -k3,3)
else
  record "podspec: the installed podspec vendors the prebuilt xcframework" FAIL
  xcf=
fi

step "prebuilt: 4. the tarball's listing"
requires=()
for f in "${resolved[@]}"; do requires+=(--require "$f"); done
if ((${#resolved[@]} == 7)) && node scripts/check-package.js --tarball "$tgz" "${requires[@]}" >&2; then
  record "listing: the tarball holds the ${#resolved[@]} files the native builds resolved, no tests or JSI host" ok
else
  echo "resolved: ${resolved[*]} (expected 4 Android libraries, the Info.plist and 2 xcframework libraries)" >&2
  record "listing: the tarball holds what the native builds read" FAIL
fi

step "prebuilt: 5. the xcframework against the format"
if [[ -n $xcf ]] && node scripts/prebuilt/check-xcframework.js "$xcf" --self-test >&2; then
  record "xcframework: identifiers, platforms, variants, architectures (Mach-O), paths, tables of contents" ok
else
  record "xcframework: structure" FAIL
fi

step "prebuilt: 6. symbols of every installed library, and links equal to the unstripped build's"
LINKS=$WORK/links
rm -rf "$LINKS"
linked=()
# same_link NAME PACKED_LINK BUILD_LINK: the two linked results are byte for byte the same.
same_link() {
  if cmp -s "$2" "$3"; then return 0; fi
  echo "FAIL $1: linking the packed library gives another result than linking the unstripped build ($2, $3)" >&2
  return 1
}
symbols_ok=0 symbols_total=0
# check_library TARGET ARCHIVE LINKER SIZES: the archive's symbols, its link by LINKER (which
# writes SIZES beside the linked result), and that link equal to the unstripped build's.
check_library() {
  local t=$1 lib=$2 linker=$3 sizes=$4 packed built
  symbols_total=$((symbols_total + 1))
  if node scripts/device/check-symbols.js --target "$t" --archive "$lib" >&2 \
    && packed=$(bash "$linker" "$t" "$lib" "$LINKS/$t/packed") \
    && built=$(bash "$linker" "$t" "$DEVICE_TARGET_DIR/$t/release/libotel_sessions_jsi.a" "$LINKS/$t/build") \
    && same_link "$t" "$packed" "$built"; then
    symbols_ok=$((symbols_ok + 1))
    linked+=("$t=$LINKS/$t/packed/$sizes")
  fi
}
while read -r abi lib; do
  check_library "$(android_triple_of "$abi")" "$lib" scripts/device/link-android.sh so.json
done <"$WORK/cmake-libraries.tsv"
if [[ -n $xcf ]]; then
  while read -r t arch file; do
    mkdir -p "$LINKS/$t"
    thin=$LINKS/$t/libotel_sessions_jsi.a
    if [[ $("$LLVM_BIN/llvm-lipo" -archs "$file" | wc -w) -gt 1 ]]; then
      "$LLVM_BIN/llvm-lipo" "$file" -thin "$arch" -output "$thin"
    else
      cp "$file" "$thin"
    fi
    check_library "$t" "$thin" scripts/prebuilt/link-ios.sh dylib.json
  done < <(node scripts/prebuilt/xcframework.js slices "$xcf")
fi
node - "$WORK/linked.json" "${linked[@]}" <<'EOF'
const fs = require('fs');
const [out, ...pairs] = process.argv.slice(2);
const linked = {};
for (const p of pairs) {
  const [target, file] = p.split('=');
  linked[target] = JSON.parse(fs.readFileSync(file, 'utf8'));
}
fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), linked }, null, 2)}\n`);
EOF
if ((symbols_total == 7 && symbols_ok == 7)); then
  record "symbols: 7 of 7 (4 Android ABIs, 3 iOS architectures) export exactly the C ABI, link, and link as the unstripped build does" ok
else
  record "symbols: $symbols_ok of $symbols_total libraries passed (expected 7)" FAIL
fi

step "prebuilt: 7. the package's Cargo workspace loads (building from source stays possible)"
if (cd "$PKG" && cargo fetch --locked --target x86_64-unknown-linux-gnu) >&2; then
  record "source: the installed package's Cargo workspace loads (cargo fetch --locked)" ok
else
  record "source: the installed package's Cargo workspace loads" FAIL
fi

echo
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
