#!/usr/bin/env bash
# The README's commands on a machine that has never run them (npm test runs this).
#
# A warm machine skips every set-up branch, so those branches once broke unseen: `npm run demo`
# failed on a fresh machine because an apt step line landed in a captured path. Here the
# set-up branches run for real, whatever this machine has installed:
#   - `dpkg-query` on PATH reports every package missing, so every ensure_apt installs;
#   - `apt-get` on PATH records its arguments and chatters on stdout like the real one (the
#     packages are really present, so the rest works).
# Then:
#   1. every script whose stdout is a value prints only that value;
#   2. `npm run demo -- --check` and `npm run harness` succeed in one go, and apt was asked for
#      the packages they need;
#   3. a demo that fails on purpose (its driver dies with the receiver running) exits non-zero,
#      promptly even with its stdout captured, and leaves nothing it started running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_rust
ensure_node_modules
ensure_jsc # the real packages: the fakes below only pretend they are missing

work=$(mktemp -d)
on_exit "rm -rf '$work'"
fake="$work/bin"
mkdir -p "$fake"
cat >"$fake/dpkg-query" <<'EOF'
#!/bin/sh
# Fresh machine: no package is installed.
echo "dpkg-query: no packages found matching $*" >&2
exit 1
EOF
cat >"$fake/apt-get" <<EOF
#!/bin/sh
echo "\$*" >>"$work/apt.log"
echo "Reading package lists... Done"   # the real apt-get writes progress on stdout
exit 0
EOF
chmod +x "$fake/dpkg-query" "$fake/apt-get"
export PATH="$fake:$PATH"
fails=0
check() { # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

step "fresh set-up: scripts whose stdout is a value"
is_only_a_path() { # command...: its stdout must be exactly one existing path
  local out
  out=$("$@") || return 1
  [[ $(wc -l <<<"$out") -eq 1 && -e $out ]] || { echo "stdout was: $out" >&2; return 1; }
}
check "scripts/build-jsi-host.sh prints only the host's path" is_only_a_path bash scripts/build-jsi-host.sh
check "build_receiver prints only the receiver's path" is_only_a_path build_receiver
check "scripts/build-collector.sh prints only the Collector's path" is_only_a_path bash scripts/build-collector.sh
check "apt-get was asked for the JSI host's packages" \
  grep -q 'install .*libjavascriptcoregtk-4.1-dev' "$work/apt.log"

step "fresh set-up: the README's demo command, and the harness"
: >"$work/apt.log"
check "npm run demo -- --check succeeds in one go" npm run --silent demo -- --check
check "the demo installed what it needs (apt-get install libjavascriptcoregtk-4.1-dev ...)" \
  grep -q 'install .*libjavascriptcoregtk-4.1-dev' "$work/apt.log"
printf 'console.log("harness ok");\n' >"$work/hello.js"
check "npm run harness runs a file" bash -c 'npm run --silent harness -- "$1" | grep -qx "harness ok"' _ "$work/hello.js"

step "a demo that fails leaves nothing running"
marker="ots-fresh-$$-$RANDOM"
still_running() { # pids of processes whose environment carries the marker
  grep -lsa "OTS_FRESH_MARKER=$marker" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | tr "\n" " " || true
}
# Not under `timeout`: it kills its whole process group, which would hide a leftover helper.
OTS_FRESH_MARKER=$marker OTEL_SESSIONS_DEMO_FAIL=after-receiver \
  bash -c 'out=$(npm run --silent demo 2>&1); rc=$?; echo "$out" >"$1/failed-demo.log"; exit $rc' _ "$work" &
demo_pid=$!
for _ in $(seq 1200); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done # up to 120 s
hung=0
kill -0 "$demo_pid" 2>/dev/null && hung=1
left=$(still_running) # before anything is cleaned up
[[ -z $left ]] || kill -KILL $left 2>/dev/null || true
rc=0
wait "$demo_pid" || rc=$?
check "the failing demo returns with its stdout captured (not hung)" test "$hung" -eq 0
check "the failing demo exits non-zero (got $rc)" test "$rc" -ne 0
check "the failing demo said why" grep -q 'failing on purpose' "$work/failed-demo.log"
check "nothing the failing demo started is still running${left:+ (left: $left)}" test -z "$left"

if ((fails)); then echo "fresh set-up: $fails checks failed"; exit 1; fi
echo "fresh set-up: all checks passed"
