#!/usr/bin/env bash
# Links one iOS architecture of the Rust library into a dynamic library with LLVM's Mach-O
# linker (ld64.lld), the way an app's link keeps it: only the C ABI exported
# (-exported_symbols_list, `-u` for each function), -dead_strip (Xcode's default), the
# platform and minimum version of the slice (-platform_version). There is no iOS SDK here, so
# libSystem's symbols stay undefined (-undefined dynamic_lookup); check-symbols.js then checks the
# linked library: it exports exactly the functions of otel_sessions.h and imports only iOS system
# symbols (scripts/device/platform-symbols/ios.txt), newer ones only weakly. What an Xcode link
# adds or checks beyond this (the SDK's libSystem, code signing) is not verified here.
#
#   scripts/prebuilt/link-ios.sh TARGET ARCHIVE OUT_DIR
#       TARGET: aarch64-apple-ios, aarch64-apple-ios-sim or x86_64-apple-ios; ARCHIVE: a thin
#       archive of that target
#
# Prints the linked library's path (stripped with llvm-strip --strip-all, as sized); writes
# OUT_DIR/dylib.json: {"strippedBytes": N, "unstrippedBytes": N}.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

[[ $# -eq 3 ]] || { echo "usage: scripts/prebuilt/link-ios.sh TARGET ARCHIVE OUT_DIR" >&2; exit 2; }
target=$1 archive=$2 out=$3
case $target in
  aarch64-apple-ios) arch=arm64 platform=ios ;;
  aarch64-apple-ios-sim) arch=arm64 platform=ios-simulator ;;
  x86_64-apple-ios) arch=x86_64 platform=ios-simulator ;;
  *) echo "link-ios.sh: '$target' is not an iOS target (${IOS_TARGETS[*]})" >&2; exit 2 ;;
esac
[[ -f $archive ]] || { echo "link-ios.sh: no archive at $archive" >&2; exit 2; }

mkdir -p "$out"
mapfile -t functions < <(node -e 'console.log(require("./scripts/device/symbols").headerFunctions().join("\n"))')
printf '_%s\n' "${functions[@]}" >"$out/exports.txt"
undefined_flags=()
for f in "${functions[@]}"; do undefined_flags+=(-u "_$f"); done

unstripped=$out/libotel_sessions.unstripped.dylib
dylib=$out/libotel_sessions.dylib
"$LLVM_BIN/ld64.lld" -arch "$arch" -platform_version "$platform" "$IOS_DEPLOYMENT_TARGET" "$IOS_DEPLOYMENT_TARGET" \
  -dylib -install_name @rpath/libotel_sessions.dylib -o "$unstripped" -dead_strip -undefined dynamic_lookup \
  -exported_symbols_list "$out/exports.txt" "${undefined_flags[@]}" "$archive" >&2
"$LLVM_BIN/llvm-strip" --strip-all -o "$dylib" "$unstripped"
printf '{"strippedBytes": %d, "unstrippedBytes": %d}\n' "$(stat -c %s "$dylib")" "$(stat -c %s "$unstripped")" >"$out/dylib.json"
node scripts/device/check-symbols.js --target "$target" --so "$unstripped" >&2
echo "$dylib"
