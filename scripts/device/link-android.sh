#!/usr/bin/env bash
# Links an Android staticlib into a shared object the way the app's NDK build keeps it, strips
# it, and checks its dynamic symbols: what each ABI costs a user, and what the app's dynamic
# linker will see.
#   - only the C ABI is exported: a version script lists the functions of otel_sessions.h, and
#     `-u` for each pulls them from the archive; everything else is local;
#   - --gc-sections drops what the C ABI cannot reach; 16 KB pages as android/CMakeLists.txt;
#   - `-z undefs`: libc, libm, libdl and the NDK's unwinder are not here, so their symbols stay
#     undefined (the NDK links against them; the unwinder's code adds to the real library);
#   - llvm-strip --strip-all, as a release APK's libraries are stripped.
# Then: the dynamic exports are exactly the header's functions, and every dynamic import is a
# system symbol of Android (check-symbols.js's rules, on what survived the link).
#
#   scripts/device/link-android.sh TARGET ARCHIVE [OUT_DIR]
#
# Prints the stripped library's path; writes OUT_DIR/so.json (sizes) beside it, and the
# unstripped library (for size-breakdown.js) as libotel_sessions.unstripped.so. OUT_DIR defaults
# to target/device/<target> (scripts/prebuilt/check-pack.sh links the packed libraries elsewhere).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

[[ $# -eq 2 || $# -eq 3 ]] || { echo "usage: scripts/device/link-android.sh TARGET ARCHIVE [OUT_DIR]" >&2; exit 2; }
target=$1 archive=$2
case $target in
  aarch64-linux-android) emulation=aarch64linux ;;
  armv7-linux-androideabi) emulation=armelf_linux_eabi ;;
  x86_64-linux-android) emulation=elf_x86_64 ;;
  i686-linux-android) emulation=elf_i386 ;;
  *) echo "link-android.sh: '$target' is not an Android target (${ANDROID_TARGETS[*]})" >&2; exit 2 ;;
esac
[[ -f $archive ]] || { echo "link-android.sh: no archive at $archive (build it with scripts/device/build.sh $target)" >&2; exit 2; }

out=${3:-$DEVICE_TARGET_DIR/$target}
mkdir -p "$out"
mapfile -t functions < <(node -e 'console.log(require("./scripts/device/symbols").headerFunctions().join("\n"))')
{
  echo "{ global:"
  printf '  %s;\n' "${functions[@]}"
  echo "local: *; };"
} >"$out/exports.map"
undefined_flags=()
for f in "${functions[@]}"; do undefined_flags+=(-u "$f"); done

unstripped=$out/libotel_sessions.unstripped.so
so=$out/libotel_sessions.so
"$LLVM_BIN/ld.lld" -m "$emulation" -shared -soname libotel_sessions.so -o "$unstripped" \
  --gc-sections -z undefs -z max-page-size=16384 --version-script "$out/exports.map" \
  "${undefined_flags[@]}" "$archive" >&2
"$LLVM_BIN/llvm-strip" --strip-all -o "$so" "$unstripped"

# The size is what it is whether or not the symbols pass.
printf '{"strippedBytes": %d, "unstrippedBytes": %d}\n' "$(stat -c %s "$so")" "$(stat -c %s "$unstripped")" >"$out/so.json"
node scripts/device/check-symbols.js --target "$target" --so "$so" >&2
echo "$so"
