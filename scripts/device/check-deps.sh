#!/usr/bin/env bash
# The device library's dependency graph (crate otel-sessions-jsi, normal and build edges) for
# every Android and iOS target holds no C code and no TLS: no cc/cmake build step, no *-sys
# crate, no ring, rustls, webpki, OpenSSL or native-tls. Uploads go through the platform's
# HTTP stack (rust/jsi/include/otel_sessions.h, ots_set_transport), so none is needed, and a
# pure-Rust graph is what lets the device library be built for every target on Linux.
# Prints one line per target; exits non-zero on the first forbidden crate (named, with the
# path that pulls it in).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

TARGETS=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android
  aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
# Names that mean C code or a TLS stack in the library.
forbidden() { grep -E '^(cc|cmake|bindgen|pkg-config|vcpkg|ring|rustls.*|webpki.*|.*-webpki|openssl.*|native-tls|aws-lc.*|boring.*|security-framework.*|schannel|.*-sys)$' || true; }

# Self-test: the filter must catch what it exists to catch, and pass libc.
caught=$(printf '%s\n' cc ring rustls rustls-webpki webpki-roots openssl-sys libz-sys aws-lc-rs libc serde | forbidden | tr '\n' ' ')
[[ $caught == "cc ring rustls rustls-webpki webpki-roots openssl-sys libz-sys aws-lc-rs " ]] \
  || { echo "check-deps self-test: the filter caught '$caught'" >&2; exit 1; }

status=0
for t in "${TARGETS[@]}"; do
  crates=$(cargo tree -q --locked -p otel-sessions-jsi --target "$t" -e normal,build --prefix none --format '{p}' | awk '{print $1}' | sort -u)
  bad=$(forbidden <<<"$crates")
  if [[ -n $bad ]]; then
    status=1
    for c in $bad; do
      echo "FAIL $t: $c is in the device graph; it comes in through:" >&2
      cargo tree -q --locked -p otel-sessions-jsi --target "$t" -e normal,build -i "$c" >&2 || true
    done
  else
    echo "ok   $t: $(wc -l <<<"$crates") crates, no C code, no TLS"
  fi
done
exit $status
