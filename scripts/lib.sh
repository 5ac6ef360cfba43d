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
