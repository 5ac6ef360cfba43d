#!/usr/bin/env bash
# The JSI tests: JavaScript files run in the Linux JSI host (a real jsi::Runtime) against the
# real engine and telemetry, built against the pinned React Native and against the oldest
# version the package supports.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

OLDEST_RN=0.76.9   # keep in step with peerDependencies in package.json
ensure_jsc
ensure_apt "the test that no fsync runs on the JS thread" strace
ensure_node_modules
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
receiver=$(build_receiver)

# Runs "$@" with a fresh loopback OTLP receiver: OTLP_ENDPOINT is its URL, RECEIVER_OUT the
# JSON file of what it decoded (for test files that start with `// harness: receiver`).
with_receiver() {
  local rdir pid rc=0
  rdir=$(mktemp -d)
  start_helper pid "$receiver" --endpoint-file "$rdir/endpoint" --out "$rdir/received.json"
  for _ in $(seq 1200); do [[ -s $rdir/endpoint ]] && break; sleep 0.05; done # up to 60 s
  OTLP_ENDPOINT=$(cat "$rdir/endpoint") RECEIVER_OUT="$rdir/received.json" "$@" || rc=$?
  stop_helper "$pid"
  rm -rf "$rdir"
  return $rc
}
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# Runs every test file with the host built against the React Native sources in $1.
run_suite() {
  local rn_dir=$1 label=$2 host bundle dir out
  host=$(REACT_NATIVE_DIR=$rn_dir bash scripts/build-jsi-host.sh)
  mkdir -p target/harness
  for t in rust/jsi-host/tests/*.test.[jt]s rust/jsi-host/tests/fails/*.js; do
    bundle="target/harness/$(basename "$t").js"
    bash scripts/bundle.sh "$t" "$bundle"
    dir=$(mktemp -d)
    case "$t" in
      */fails/*)
        if out=$("$host" "$bundle" "$dir" 2>&1); then
          fail "$label $t: expected a non-zero exit"
        elif grep -q "Uncaught" <<<"$out"; then
          pass "$label $t (fails as expected, stack printed)"
        else
          fail "$label $t: no 'Uncaught' report: $out"
        fi ;;
      */teardown.test.js)
        local id
        if out=$("$host" "$bundle" "$dir" first 2>&1) && id=$(sed -n 's/^SESSION //p' <<<"$out") && [[ -n $id ]] \
          && out=$("$host" "$bundle" "$dir" second "$id" 2>&1); then
          pass "$label $t (relaunch resumed $id)"
        else
          fail "$label $t: $out"
        fi ;;
      *)
        local runner=() driver
        driver=$(head -1 "$t" | sed -n 's|^// harness: driver ||p')
        if [[ -n $driver ]]; then
          if out=$(run_helper node "$driver" "$host" "$bundle" "$dir" 2>&1); then
            pass "$label $t ($(tail -1 <<<"$out"))"
          else
            fail "$label $t:"$'\n'"$out"
          fi
          rm -rf "$dir"
          continue
        fi
        if head -1 "$t" | grep -q '^// harness: receiver'; then runner=(with_receiver); fi
        if out=$("${runner[@]}" "$host" "$bundle" "$dir" 2>&1); then
          pass "$label $t ($(tail -1 <<<"$out"))"
        else
          fail "$label $t:"$'\n'"$out"
        fi ;;
    esac
    rm -rf "$dir"
  done
}

step "JSI host, react-native $(node -p "require('./node_modules/react-native/package.json').version")"
run_suite node_modules/react-native "rn-pinned"

compat=target/rn-compat/react-native-$OLDEST_RN
if [[ ! -f $compat/package.json ]]; then
  step "fetching react-native@$OLDEST_RN sources (npm pack)"
  mkdir -p "$compat"
  tgz=$(cd target/rn-compat && npm pack --silent "react-native@$OLDEST_RN" 2>/dev/null | tail -1)
  tar -xzf "target/rn-compat/$tgz" -C "$compat" --strip-components=1 package/package.json package/ReactCommon/jsi package/ReactCommon/jsc package/ReactCommon/callinvoker
  rm -f "target/rn-compat/$tgz"
fi
step "JSI host, react-native $OLDEST_RN (oldest supported)"
run_suite "$compat" "rn-$OLDEST_RN"

echo "jsi: $passed passed, $failed failed"
((failed == 0))
