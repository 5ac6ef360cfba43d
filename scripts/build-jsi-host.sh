#!/usr/bin/env bash
# Builds the Linux JSI host (rust/jsi-host) against a React Native package's own sources:
# JSCRuntime.cpp and jsi.cpp over Debian's JavaScriptCore, the binding's C++ (rust/jsi/cpp),
# the host's platform HTTP transport (libcurl, CurlTransport.cpp) and the Rust static library.
# Prints the path of the program.
#
#   scripts/build-jsi-host.sh [--release]
#   REACT_NATIVE_DIR=path/to/react-native scripts/build-jsi-host.sh   (another RN version)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_jsc
profile=debug cargo_flags=()
if [[ "${1:-}" == "--release" ]]; then profile=release cargo_flags=(--release); fi
RN=${REACT_NATIVE_DIR:-node_modules/react-native}
[[ -f "$RN/ReactCommon/jsc/JSCRuntime.cpp" ]] || { echo "no React Native sources at $RN (run npm ci)" >&2; exit 1; }
rn_version=$(node -p "require('./$RN/package.json').version")
out_dir="target/jsi-host/$rn_version-$profile"
out="$out_dir/otel-sessions-host"
mkdir -p "$out_dir"

cargo build --quiet --locked -p otel-sessions-jsi "${cargo_flags[@]}" >&2
lib="target/$profile/libotel_sessions_jsi.a"
inputs=(rust/jsi-host/main.cpp rust/jsi-host/CurlTransport.cpp rust/jsi-host/CurlTransport.h rust/jsi/cpp/OtelSessionsJsi.cpp rust/jsi/cpp/OtelSessionsJsi.h rust/jsi/include/otel_sessions.h "$lib")
fresh=1
[[ -x "$out" ]] || fresh=0
for f in "${inputs[@]}"; do [[ "$f" -nt "$out" ]] && fresh=0; done
if ((fresh == 0)); then
  opt=-O1; [[ $profile == release ]] && opt=-O2
  # shellcheck disable=SC2046
  g++ -std=c++20 $opt -g -Wall -Wno-unused-parameter \
    -I"$RN/ReactCommon" -I"$RN/ReactCommon/jsi" -I"$RN/ReactCommon/callinvoker" \
    -Irust/jsi/include -Irust/jsi/cpp $(pkg-config --cflags javascriptcoregtk-4.1 libcurl) \
    rust/jsi-host/main.cpp rust/jsi-host/CurlTransport.cpp rust/jsi/cpp/OtelSessionsJsi.cpp "$RN/ReactCommon/jsi/jsi/jsi.cpp" \
    "$lib" $(pkg-config --libs javascriptcoregtk-4.1 libcurl) -lpthread -ldl -lm \
    -o "$out" >&2
fi
echo "$out"
