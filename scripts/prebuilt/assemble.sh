#!/usr/bin/env bash
# `prepack` (npm pack, npm publish): puts the prebuilt Rust library into the package, so apps
# build without a Rust toolchain (android/build.gradle, android/cmake/rust-library.cmake and the
# podspec use it when it is there; a clone has none and builds from source).
#
#   android/prebuilt/<abi>/libotel_sessions_jsi.a         arm64-v8a, armeabi-v7a, x86_64, x86
#   ios/prebuilt/OtelSessionsRust.xcframework             ios-arm64 (device) and
#                                                         ios-arm64_x86_64-simulator (one fat library)
#   android/prebuilt/prebuilt.json, ios/prebuilt/prebuilt.json
#                                                         what was built: package version, rustc,
#                                                         each library's target and inputs hash
#
# Steps: the device library for all 7 targets (scripts/device/build.sh: release profile, LTO,
# cached on an inputs hash); each archive stripped of what no app links: the LLVM bitcode rustc
# embeds in its objects (.llvmbc/.llvmcmd, Mach-O __LLVM) and any debug information, keeping the
# symbol names crash reports need; the simulator slices joined by llvm-lipo; the xcframework
# written without xcodebuild (xcframework.js); the symbols of every library and the xcframework's
# structure checked (check-symbols.js, check-xcframework.js). Everything is assembled in
# target/prebuilt/stage and moved into place only when it all passed; `postpack` removes it again.
#
#   scripts/prebuilt/assemble.sh          (npm runs it; progress on stderr, nothing on stdout)
#
# Linux only (Debian's rustc-web and LLVM, see scripts/device/toolchain.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh
source scripts/device/android-abis.sh

LIB=libotel_sessions_jsi.a
STAGE=target/prebuilt/stage
STRIPPED=target/prebuilt/lib

# strip_archive TARGET IN OUT: the archive without embedded bitcode and debug information.
strip_archive() {
  local sections=(.llvmbc .llvmcmd) args=()
  [[ $1 == *-apple-ios* ]] && sections=(__LLVM,__bitcode __LLVM,__cmdline)
  for s in "${sections[@]}"; do args+=("--remove-section=$s"); done
  mkdir -p "$(dirname "$3")"
  "$LLVM_BIN/llvm-objcopy" "${args[@]}" --strip-debug "$2" "$3"
}

# manifest FILE KEY=TARGET...: prebuilt.json for the libraries at KEY (paths relative to FILE's folder).
manifest() {
  local file=$1; shift
  node - "$file" "$DEVICE_TARGET_DIR" "$("$DEVICE_RUSTC" -V)" "$@" <<'EOF'
const fs = require('fs');
const path = require('path');
const [file, deviceDir, rustc, ...libs] = process.argv.slice(2);
const pkg = require(path.resolve('package.json'));
const libraries = {};
for (const entry of libs) {
  const [key, target] = entry.split('=');
  libraries[key] = {
    targets: target.split(','),
    bytes: fs.statSync(path.join(path.dirname(file), key)).size,
    inputsSha256: target.split(',').map((t) => fs.readFileSync(path.join(deviceDir, t, 'inputs.sha256'), 'utf8').trim()),
  };
}
const built = {
  package: `${pkg.name}@${pkg.version}`,
  rustc,
  profile: 'release (opt-level z, LTO, one codegen unit, unwinding panics); embedded bitcode and debug information stripped',
  built: 'scripts/prebuilt/assemble.sh (inputsSha256: the hash scripts/device/build.sh keys its cache on)',
  libraries,
};
fs.writeFileSync(file, `${JSON.stringify(built, null, 2)}\n`);
EOF
}

if [[ $(uname -s) != Linux ]] || ! command -v apt-get >/dev/null; then
  echo "prebuilt: npm pack (prepack) builds the prebuilt Rust libraries on Debian or Ubuntu only (rustc-web," >&2
  echo "  rust-web-src and LLVM 22 from apt; docs/prebuilt.md); this is $(uname -s) without apt-get. Pack on" >&2
  echo "  such a machine (.github/workflows/native.yml's package job does), or use a clone: its builds compile Rust." >&2
  exit 1
fi
ensure_rust
ensure_device_toolchain
ensure_apt "the xcframework check reads Info.plist with Python's plistlib" python3

step "prebuilt: the device library for all ${#DEVICE_TARGETS[@]} targets (scripts/device/build.sh, cached)"
mapfile -t archives < <(bash scripts/device/build.sh "${DEVICE_TARGETS[@]}")
((${#archives[@]} == ${#DEVICE_TARGETS[@]})) || { echo "prebuilt: scripts/device/build.sh did not print one archive per target" >&2; exit 1; }

rm -rf "$STAGE"
on_exit "rm -rf '$STAGE'"
mkdir -p "$STAGE/android" "$STAGE/ios"
declare -A stripped
status=0
for i in "${!DEVICE_TARGETS[@]}"; do
  t=${DEVICE_TARGETS[$i]}
  stripped[$t]=$STRIPPED/$t/$LIB
  strip_archive "$t" "${archives[$i]}" "${stripped[$t]}"
  awk -v t="$t" -v a="$(stat -c %s "${archives[$i]}")" -v b="$(stat -c %s "${stripped[$t]}")" \
    'BEGIN { printf "prebuilt: %-26s %6.2f MB built, %5.2f MB stripped\n", t, a / 1e6, b / 1e6 }' >&2
  abi=$(android_abi_of "$t")
  if [[ -n $abi ]]; then
    mkdir -p "$STAGE/android/$abi"
    cp "${stripped[$t]}" "$STAGE/android/$abi/$LIB"
  fi
  node scripts/device/check-symbols.js --target "$t" --archive "${stripped[$t]}" >&2 || status=1
done

step "prebuilt: OtelSessionsRust.xcframework (device; simulator arm64 + x86_64 joined by llvm-lipo)"
sim=$STAGE/simulator/$LIB
mkdir -p "$(dirname "$sim")"
"$LLVM_BIN/llvm-lipo" -create "${stripped[aarch64-apple-ios-sim]}" "${stripped[x86_64-apple-ios]}" -output "$sim"
xcf=$STAGE/ios/OtelSessionsRust.xcframework
node scripts/prebuilt/xcframework.js create "$xcf" "${stripped[aarch64-apple-ios]}" "$sim"
node scripts/prebuilt/check-xcframework.js "$xcf" >&2 || status=1
((status == 0)) || { echo "prebuilt: the libraries failed their checks; nothing was put into the package" >&2; exit 1; }

android_libs=()
for t in "${ANDROID_TARGETS[@]}"; do android_libs+=("$(android_abi_of "$t")/$LIB=$t"); done
manifest "$STAGE/android/prebuilt.json" "${android_libs[@]}"
manifest "$STAGE/ios/prebuilt.json" OtelSessionsRust.xcframework/ios-arm64/$LIB=aarch64-apple-ios \
  OtelSessionsRust.xcframework/ios-arm64_x86_64-simulator/$LIB=aarch64-apple-ios-sim,x86_64-apple-ios

rm -rf android/prebuilt ios/prebuilt
mv "$STAGE/android" android/prebuilt
mv "$STAGE/ios" ios/prebuilt
echo "prebuilt: android/prebuilt ($(du -sh android/prebuilt | cut -f1)) and ios/prebuilt ($(du -sh ios/prebuilt | cut -f1)) are in place for npm pack" >&2
