// Checks what `npm publish` would ship (run after `bob build`): every entry point named in
// package.json (main, module, types, react-native, each `exports` condition) is in the
// tarball, the codegen spec and what the native builds read are in it, and tests are not.
//   node scripts/check-package.js
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
)[0];
const files = new Set(packed.files.map((f) => f.path));
const problems = [];

function targets(value, where) {
  if (typeof value === 'string') return [[value, where]];
  return Object.entries(value).flatMap(([k, v]) => targets(v, `${where}.${k}`));
}
const entries = [
  ...['main', 'module', 'types', 'react-native', 'source'].filter((k) => pkg[k]).map((k) => [pkg[k], k]),
  ...targets(pkg.exports, 'exports'),
];
for (const [target, where] of entries) {
  const file = path.posix.normalize(target);
  if (!files.has(file)) problems.push(`${where} -> ${target} is not in the package (run \`npm run build\`?)`);
}
const spec = `${pkg.codegenConfig.jsSrcsDir}/NativeOtelSessions.ts`;
if (!files.has(spec)) problems.push(`the codegen spec ${spec} is not in the package`);
for (const f of files) {
  if (/(^|\/)(__tests__|tests)\//.test(f)) problems.push(`test file ${f} would be published`);
}
if (![...files].some((f) => f.startsWith('rust/jsi/src/'))) problems.push('the Rust sources are not in the package');
// What autolinking and the native builds read from the installed package.
for (const f of [
  'react-native-otel-sessions.podspec',
  'react-native.config.js',
  'scripts/build-android',
  'scripts/build-ios',
  'android/build.gradle',
  'android/CMakeLists.txt',
  'ios/OtelSessions.mm',
  'rust/jsi/cpp/OtelSessionsJsi.cpp',
  'rust/jsi/include/otel_sessions.h',
]) {
  if (!files.has(f)) problems.push(`${f} is not in the package (package.json "files")`);
}

if (problems.length) {
  console.error(`package check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`package: ${files.size} files, ${(packed.size / 1024).toFixed(0)} KiB packed; ${entries.length} entry points present`);
