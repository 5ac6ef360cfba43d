#!/usr/bin/env bash
# Builds the device library (the staticlib of crate otel-sessions-jsi) for Android and iOS
# targets on Linux, as the build scripts ship it: the workspace's release profile (opt-level z,
# LTO setting, one codegen unit, unwinding panics), warnings as errors. Uses Debian's rustc and the
# source of its std (toolchain.sh); the user's rustup toolchain is not touched, and
# scripts/build-android / scripts/build-ios stay the way users build (cargo-ndk, Xcode).
#
#   scripts/device/build.sh [TARGET...]     (default: the 7 targets of the build scripts)
#
# Prints the archive of each target on stdout, one per line, in the order given; progress and
# cargo on stderr. A target whose inputs (the library's sources, manifests, Cargo.lock, the
# toolchain, this script) hash as in its last build is not handed to cargo at all, nor one whose
# archive for those inputs is in the machine cache (below); the others build two at a time
# (DEVICE_PARALLEL). Writes target/device/<target>/build.json:
# {"seconds": N, "cached": bool, "parallel": builds at a time}.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/device/toolchain.sh

# --one TARGET (this script's own use): builds TARGET now, whatever its cache says; the parallel
# builds below start one such run per target, each a helper (lib.sh) stopped if this one exits.
one=
if [[ ${1:-} == --one ]]; then one=1; shift; fi
targets=("$@")
((${#targets[@]})) || targets=("${DEVICE_TARGETS[@]}")
for t in "${targets[@]}"; do
  [[ " ${DEVICE_TARGETS[*]} " == *" $t "* ]] || {
    echo "device/build.sh: unknown target '$t'; one of: ${DEVICE_TARGETS[*]}" >&2
    exit 2
  }
done

ensure_rust
ensure_device_toolchain

# What the staticlib is made of. Tests, benches and examples are left out: they never reach it.
inputs_key() {
  {
    find Cargo.toml Cargo.lock rust/engine/src rust/telemetry/src rust/jsi/src rust/jsi/include \
      rust/*/Cargo.toml rust/*/build.rs -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum
    "$DEVICE_RUSTC" -vV
    cargo -V
    sha256sum scripts/device/build.sh scripts/device/toolchain.sh
    echo "RUSTFLAGS: ${DEVICE_RUSTFLAGS:-}"
  } | sha256sum | cut -d' ' -f1
}
key=$(inputs_key)
export DEVICE_PARALLEL=${DEVICE_PARALLEL:-2}
[[ $DEVICE_PARALLEL =~ ^[1-9][0-9]*$ ]] || { echo "device/build.sh: DEVICE_PARALLEL must be a positive whole number, not '$DEVICE_PARALLEL'" >&2; exit 2; }

# The machine cache (DEVICE_CACHE, toolchain.sh): DEVICE_CACHE/<inputs hash>/<target>/ holds
# the archive built from those inputs, so a fresh clone of sources built before on this machine
# (another clone, an earlier CI run) copies it instead of spending 2.5 CPU-minutes per target
# on it. As safe as the stamp above: the key covers every input of the build. The 3 most
# recently used keys are kept.
cached_lib() { [[ $DEVICE_CACHE != off ]] && echo "$DEVICE_CACHE/$key/$1/libotel_sessions_jsi.a"; }
# Writing to it never fails a build: a cache that cannot be written is only slower.
to_machine_cache() {
  local c
  c=$(cached_lib "$1") || return 0
  [[ -f $c ]] && return 0
  { mkdir -p "$(dirname "$c")" && cp "$DEVICE_TARGET_DIR/$1/release/libotel_sessions_jsi.a" "$c.tmp.$$" && mv "$c.tmp.$$" "$c"; } 2>/dev/null ||
    echo "device: could not write $c (going on without it; OTEL_SESSIONS_DEVICE_CACHE=off stops trying)" >&2
}
prune_machine_cache() {
  [[ $DEVICE_CACHE != off && -d $DEVICE_CACHE ]] || return 0
  find "$DEVICE_CACHE" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2- |
    while read -r old; do rm -rf "$old" 2>/dev/null || true; done
}

# build_one TARGET: the release staticlib of TARGET, in a cargo target directory of its own
# (target/device/<target>/cargo), copied to target/device/<target>/release. Each target has its
# own directory so that two cargo runs can build at once: cargo holds a lock on a target
# directory for the whole run, and with -Zbuild-std a run's host half (build scripts, proc
# macros) is in it too.
build_one() {
  local t=$1 started took
  started=$(date +%s)
  # `cargo rustc --crate-type staticlib`, not `cargo build`: the crate's manifest also asks
  # for an rlib (its tests and examples use it), and cargo runs LTO only when every crate type
  # of a unit allows it, so `cargo build` leaves the profile's `lto = true` unapplied (an
  # archive of ~60 per-crate objects carrying their bitcode, 26 MB for arm64 Android, against
  # one LTO'd object of 3.4 MB, 24% smaller once linked). It also takes one target per run.
  device_cargo "$t" rustc --release --locked -p otel-sessions-jsi --lib --crate-type staticlib \
    --target-dir "$DEVICE_TARGET_DIR/$t/cargo" || return 1
  mkdir -p "$DEVICE_TARGET_DIR/$t/release"
  cp "$DEVICE_TARGET_DIR/$t/cargo/$t/release/libotel_sessions_jsi.a" "$DEVICE_TARGET_DIR/$t/release/"
  took=$(($(date +%s) - started))
  to_machine_cache "$t"
  echo "device: $t built in ${took} s" >&2
  echo "$key" >"$DEVICE_TARGET_DIR/$t/inputs.sha256"
  printf '{"seconds": %d, "cached": false, "parallel": %d}\n' "$took" "$DEVICE_PARALLEL" >"$DEVICE_TARGET_DIR/$t/build.json"
}

if [[ $one ]]; then
  build_one "${targets[0]}"
  exit
fi

# Targets whose archive is missing or was built from other inputs are built DEVICE_PARALLEL at
# a time (default 2): one target's build keeps about 1.6 of 2 cores busy (its std is built one
# crate after the other: core, alloc, std), two keep both. Each one's output goes to
# target/device/<target>/build.log, printed when it fails.
stale=()
for t in "${targets[@]}"; do
  lib=$DEVICE_TARGET_DIR/$t/release/libotel_sessions_jsi.a
  stamp=$DEVICE_TARGET_DIR/$t/inputs.sha256
  cached=$(cached_lib "$t") || cached=
  if [[ -f $lib && -f $stamp && $(cat "$stamp") == "$key" ]]; then
    echo "device: $t unchanged since its last build (inputs hash ${key:0:12})" >&2
    echo '{"seconds": 0, "cached": true}' >"$DEVICE_TARGET_DIR/$t/build.json"
    to_machine_cache "$t"
  elif [[ $cached && -f $cached ]] && mkdir -p "$DEVICE_TARGET_DIR/$t/release" && cp "$cached" "$lib"; then
    echo "device: $t taken from the machine cache ($cached)" >&2
    touch "$DEVICE_CACHE/$key" 2>/dev/null || true
    echo "$key" >"$stamp"
    echo '{"seconds": 0, "cached": true, "from": "machine cache"}' >"$DEVICE_TARGET_DIR/$t/build.json"
  else
    mkdir -p "$DEVICE_TARGET_DIR/$t"
    rm -f "$stamp" "$lib"
    stale+=("$t")
  fi
done

# wait_first: waits for one of the builds running to end (bash 5.1's wait -n -p), and prints
# its result: its last line on success, its whole log on failure.
failed=() running=()
declare -A target_of=()
wait_first() {
  local pid rc=0 t p keep=()
  wait -n -p pid "${running[@]}" || rc=$?
  t=${target_of[$pid]}
  if ((rc)); then
    failed+=("$t")
    cat "$DEVICE_TARGET_DIR/$t/build.log" >&2
  else
    tail -n 1 "$DEVICE_TARGET_DIR/$t/build.log" >&2
  fi
  for p in "${running[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  running=("${keep[@]}")
}
if ((${#stale[@]})); then
  step "device: building the staticlib for ${stale[*]} (release, warnings as errors; $DEVICE_PARALLEL at a time, logs in $DEVICE_TARGET_DIR/<target>/build.log)"
  for t in "${stale[@]}"; do
    ((${#running[@]} < DEVICE_PARALLEL)) || wait_first
    echo "device: building $t" >&2
    start_helper pid bash scripts/device/build.sh --one "$t" >"$DEVICE_TARGET_DIR/$t/build.log" 2>&1
    running+=("$pid")
    target_of[$pid]=$t
  done
  while ((${#running[@]})); do wait_first; done
fi
prune_machine_cache
((${#failed[@]} == 0)) || { echo "device/build.sh: the build failed for: ${failed[*]} (its cargo output is above)" >&2; exit 1; }

for t in "${targets[@]}"; do
  lib=$DEVICE_TARGET_DIR/$t/release/libotel_sessions_jsi.a
  [[ -f $lib ]] || { echo "device/build.sh: cargo finished but $lib is missing" >&2; exit 1; }
  echo "$lib"
done
