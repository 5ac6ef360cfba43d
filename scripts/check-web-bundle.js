// react-native-web: the built package (lib/module) bundles for the web as a web bundler
// resolves it (`.web.js` before `.js`), the bundle loads, and `Sessions.init` throws the
// clear "not supported yet" error rather than crashing the app at import.
//   node scripts/check-web-bundle.js
'use strict';
const path = require('path');
const vm = require('vm');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const entry = `
  import { Sessions, useSession } from 'react-native-otel-sessions';
  import { SessionSpanProcessor } from 'react-native-otel-sessions/opentelemetry';
  globalThis.result = { imported: typeof useSession === 'function' && typeof SessionSpanProcessor === 'function' };
  try { Sessions.init({ serviceName: 'web' }); globalThis.result.init = 'no error'; }
  catch (e) { globalThis.result.init = String(e && e.message); }
`;
const out = esbuild.buildSync({
  stdin: { contents: entry, resolveDir: root, loader: 'js' },
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  mainFields: ['browser', 'module', 'main'],
  resolveExtensions: ['.web.js', '.js'],
  alias: { 'react-native-otel-sessions': './lib/module', 'react-native': './scripts/no-react-native.js' },
  external: ['react'],
  logLevel: 'silent',
});
const sandbox = { require: (m) => (m === 'react' ? require('react') : undefined) };
sandbox.globalThis = sandbox;
vm.runInNewContext(out.outputFiles[0].text, sandbox);
const r = sandbox.result;
if (!r || !r.imported || !/the web is not supported yet/.test(r.init)) {
  console.error('web bundle check failed:', JSON.stringify(r));
  process.exit(1);
}
console.log(`web: bundles (${(out.outputFiles[0].contents.length / 1024).toFixed(0)} KiB), imports, init says: ${r.init}`);
