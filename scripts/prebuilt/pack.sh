#!/usr/bin/env bash
# `npm pack` as a release makes it: prepack (scripts/prebuilt/assemble.sh: the prebuilt Rust
# libraries), prepare (bob build: lib/), the tarball, postpack (the prebuilt folders removed from
# the checkout again). The tarball goes to target/prebuilt/pack/; its sizes (packed, unpacked,
# each prebuilt library) to target/prebuilt/results.json (results.js), which `npm run bench`
# reports.
#
#   scripts/prebuilt/pack.sh        prints the tarball's absolute path; progress on stderr
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

ensure_node_modules
out=target/prebuilt/pack
rm -rf "$out" && mkdir -p "$out"
# A pack that fails after prepack skips postpack: never leave prebuilt folders in the checkout,
# where a contributor's build would link them instead of the sources.
on_exit "rm -rf android/prebuilt ios/prebuilt"

step "npm pack (prepack: the prebuilt Rust libraries; prepare: bob build)"
started=$(date +%s)
npm pack --foreground-scripts --pack-destination "$out" >&2
took=$(($(date +%s) - started))
tarballs=("$out"/*.tgz)
[[ ${#tarballs[@]} -eq 1 && -f ${tarballs[0]} ]] || { echo "prebuilt/pack.sh: expected one tarball in $out, found: ${tarballs[*]}" >&2; exit 1; }
node scripts/prebuilt/results.js "${tarballs[0]}" "$took" >&2
echo "$PWD/${tarballs[0]}"
