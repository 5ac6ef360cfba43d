# Shared by the scripts in this folder (sourced, not run).

step() { printf '\n== %s\n' "$*"; }

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

# Debian's JavaScriptCore (for the Linux JSI host) and a C++ compiler.
ensure_jsc() {
  if ! pkg-config --exists javascriptcoregtk-4.1 2>/dev/null || ! command -v g++ >/dev/null; then
    step "installing libjavascriptcoregtk-4.1-dev and g++ (apt)"
    local sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libjavascriptcoregtk-4.1-dev g++ pkg-config >/dev/null
  fi
}

# node_modules as package-lock.json says (react-native headers, esbuild).
ensure_node_modules() {
  if [[ ! -d node_modules/react-native || package-lock.json -nt node_modules/.package-lock.json ]]; then
    step "npm ci"
    npm ci --ignore-scripts --no-audit --no-fund
  fi
}

# Builds the loopback OTLP receiver program (rust/otlp-receiver) and prints its path.
build_receiver() {
  cargo build --quiet --locked -p otlp-receiver --bin otlp-receiver >&2
  echo target/debug/otlp-receiver
}
