# Shared by the scripts in this folder (sourced, not run).
#
# Output rule: stdout is for a script's value (a path, a port, a report); progress, apt and
# build chatter go to stderr. So `x=$(bash scripts/build-jsi-host.sh)` is only the path, on a
# fresh machine as on a warm one (scripts/test-fresh-setup.sh checks that).
#
# Helper processes (receivers, Collectors, JSI hosts, node drivers) never outlive the script
# that started them, however it exits: start them with `start_helper` / `run_helper`, which put
# each in a process group of its own that the EXIT trap below stops, with everything it started.

step() { printf '\n== %s\n' "$*" >&2; }

# ---- exit hooks and helper processes ---------------------------------------------------------
_exit_hooks=()
_helper_groups=()

# Runs a shell command when the script exits (after a failure too).
on_exit() { _exit_hooks+=("$*"); }

_on_exit() {
  local rc=$? h g
  for h in "${_exit_hooks[@]}"; do eval "$h" || true; done
  if ((${#_helper_groups[@]})); then
    for g in "${_helper_groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
    for g in "${_helper_groups[@]}"; do
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$g" 2>/dev/null || true
    done
  fi
  return $rc
}
trap _on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_helper VAR cmd [args...]: runs cmd in the background in a process group of its own (a
# new session: setsid execs in place, so the pid is the group id) and stores its pid in VAR.
start_helper() {
  local __var=$1; shift
  setsid "$@" &
  _helper_groups+=("$!")
  printf -v "$__var" '%s' "$!"
}

# run_helper cmd [args...]: start_helper and wait; returns cmd's exit status. What cmd starts in
# turn (a node driver's receiver, say) is stopped with it when this script exits, even if cmd
# itself crashed and left them behind.
run_helper() {
  local __helper __rc=0
  start_helper __helper "$@"
  wait "$__helper" || __rc=$?
  kill -TERM -- "-$__helper" 2>/dev/null || true
  return $__rc
}

# stop_helper PID: stops a helper started with start_helper, and what it started.
stop_helper() {
  kill -TERM -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# ---- set-up --------------------------------------------------------------------------------

# cargo, rustfmt and clippy come with the machine's Rust toolchain (rustup); say so
# plainly when they are missing rather than failing later with a confusing error.
ensure_rust() {
  local missing=()
  command -v cargo >/dev/null || missing+=(cargo)
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  if ((${#missing[@]})); then
    echo "missing Rust tools: ${missing[*]}. Install Rust with rustup, then: rustup component add rustfmt clippy" >&2
    exit 1
  fi
}

# ensure_apt WHY PACKAGE...: installs the Debian packages that are not installed yet (apt-get,
# as root or through sudo). All output goes to stderr.
ensure_apt() {
  local why=$1; shift
  local missing=() p
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  step "installing ${missing[*]} ($why; apt)"
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
}

# Debian's JavaScriptCore and libcurl (the Linux JSI host and its HTTP transport), a C++ compiler.
ensure_jsc() {
  ensure_apt "the Linux JSI host" libjavascriptcoregtk-4.1-dev libcurl4-openssl-dev g++ pkg-config
}

# node_modules as package-lock.json says (react-native headers, esbuild).
ensure_node_modules() {
  if [[ ! -d node_modules/react-native || package-lock.json -nt node_modules/.package-lock.json ]]; then
    step "npm ci"
    npm ci --ignore-scripts --no-audit --no-fund >&2
  fi
}

# Builds the loopback OTLP receiver program (rust/otlp-receiver) and prints its path.
build_receiver() {
  cargo build --quiet --locked -p otlp-receiver --bin otlp-receiver >&2
  echo target/debug/otlp-receiver
}

# Go for the project's OpenTelemetry Collector (scripts/collector): the machine's own Go
# (/usr/local/go on the project's machines), at least the version scripts/collector/go.mod names
# (an older one makes `go build` say so). Debian 12's golang-go (1.19) is too old to install.
ensure_go() {
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
  if ! command -v go >/dev/null; then
    echo "missing Go: the Collector (scripts/collector) needs Go $(awk '$1 == "go" {print $2}' scripts/collector/go.mod) or newer on the PATH" >&2
    exit 1
  fi
}
