#!/usr/bin/env bash
# The device library on Linux (issue 15), per target: build the staticlib as shipped
# (build.sh), check its symbols (check-symbols.js: exports exactly the C ABI of
# otel_sessions.h; imports only the platform's system symbols, newer ones only weakly), and for
# Android link it as the NDK build keeps it, check the linked library's dynamic symbols and
# measure its stripped size (link-android.sh), with a size breakdown by crate for aarch64.
# Before that, a self-test proves the checker catches a missing export, an unknown import and
# a too-new strong import.
#
#   scripts/device/check-device.sh [TARGET...]   (default: all 7; `android` / `ios` for four / three)
#
# Writes target/device/results.json (read by scripts/bench/collect.js); prints a table on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

targets=()
for a in "$@"; do
  case $a in
    all) targets+=("${DEVICE_TARGETS[@]}") ;;
    android) targets+=("${ANDROID_TARGETS[@]}") ;;
    ios) targets+=("${IOS_TARGETS[@]}") ;;
    *) targets+=("$a") ;;
  esac
done
((${#targets[@]})) || targets=("${DEVICE_TARGETS[@]}")

mapfile -t archives < <(bash scripts/device/build.sh "${targets[@]}")

# The checker must fail on what it exists to catch (one archive is enough: the rules are the
# same for every target; Mach-O parsing is exercised by the iOS targets' own checks).
self_test() {
  local t=$1 a=$2 tmp expect out
  tmp=$(mktemp -d)
  on_exit "rm -rf '$tmp'"
  local list=scripts/device/platform-symbols/android.txt
  [[ $t == *-apple-ios* ]] && list=scripts/device/platform-symbols/ios.txt
  sed 's/^\(#endif \/\* OTEL_SESSIONS_H \*\/\)/int32_t ots_not_defined(void);\n\1/' rust/jsi/include/otel_sessions.h >"$tmp/extra.h"
  grep -v '^malloc ' "$list" >"$tmp/no-malloc.txt"
  sed 's/^\(malloc .*\)$/\1 since=99/' "$list" >"$tmp/new-malloc.txt"
  for c in "extra.h:--header:export missing: ots_not_defined" \
    "no-malloc.txt:--list:import not a known .* system symbol: malloc" \
    "new-malloc.txt:--list:import malloc needs .* 99"; do
    IFS=: read -r file flag expect <<<"$c"
    if out=$(node scripts/device/check-symbols.js --target "$t" --archive "$a" "$flag" "$tmp/$file" 2>&1); then
      echo "check-symbols self-test: $file passed, expected a failure" >&2
      return 1
    fi
    grep -q -- "$expect" <<<"$out" || { echo "check-symbols self-test: $file failed without '$expect':" >&2; echo "$out" >&2; return 1; }
  done
  echo "ok   check-symbols self-test: a missing export, an unknown import and a too-new strong import are caught" >&2
}

status=0
self_test "${targets[0]}" "${archives[0]}" || status=1
for i in "${!targets[@]}"; do
  t=${targets[$i]} a=${archives[$i]}
  node scripts/device/check-symbols.js --target "$t" --archive "$a" >&2 || status=1
  printf '{"archiveBytes": %d}\n' "$(stat -c %s "$a")" >"$DEVICE_TARGET_DIR/$t/archive.json"
  if [[ " ${ANDROID_TARGETS[*]} " == *" $t "* ]]; then
    bash scripts/device/link-android.sh "$t" "$a" >/dev/null || status=1
    if [[ $t == aarch64-linux-android ]]; then
      node scripts/device/size-breakdown.js "$DEVICE_TARGET_DIR/$t/libotel_sessions.unstripped.so" >"$DEVICE_TARGET_DIR/$t/breakdown.json"
    fi
  fi
done

node scripts/device/report.js "${targets[@]}" || status=1
exit $status
