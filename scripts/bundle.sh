#!/usr/bin/env bash
# Bundles a JS/TS file for the Linux JSI host: `react-native-otel-sessions` resolves to the built
# package (lib/module, from `npm run build`; rebuilt here when src-ts/ is newer),
# `react-native` to the host's stub (the binding is installed directly, not via the TurboModule).
# Packages resolve as Metro resolves them (react-native, browser, module, main fields).
#   scripts/bundle.sh <in.js|in.ts> <out.js>
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f lib/module/index.js ]] || [[ -n $(find src-ts -newer lib/module/index.js -print -quit) ]]; then
  node_modules/.bin/bob build >&2
fi
node_modules/.bin/esbuild "$1" --bundle --format=iife --platform=browser --target=es2020 \
  --main-fields=react-native,browser,module,main --define:process.env.NODE_ENV='"production"' \
  --alias:react-native-otel-sessions=./lib/module --alias:react-native=./rust/jsi-host/react-native-stub.js \
  --log-level=warning --outfile="$2"
