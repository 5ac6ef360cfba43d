# Sourced by scripts/check-native.sh and scripts/check-example.sh, after scripts/lib.sh (`step`).

# The example app's own node_modules (react-native, the CLI, Metro), installed once and reused
# until example/package.json or its lock file changes; --ignore-scripts keeps npm from running
# this package's `prepare` through the file: link.
ensure_example_deps() {
  local stamp=example/node_modules/.install-stamp
  if [[ ! -f $stamp || example/package.json -nt $stamp || example/package-lock.json -nt $stamp ]]; then
    step "npm ci in example/"
    (cd example && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || return 1
    touch "$stamp"
  fi
}
