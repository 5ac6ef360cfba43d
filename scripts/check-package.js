// Checks what `npm publish` would ship (run after `bob build`): every entry point named in
// package.json (main, module, types, react-native, each `exports` condition) is in the
// tarball, the codegen spec and what the native builds read are in it, and what no app needs
// (tests, the Linux JSI host with its benchmarks and torture suite, the JVM tests) is not. The
// Rust workspace ships whole enough to build from source: every bench and example a Cargo.toml
// declares is in it (cargo refuses a manifest whose declared targets are missing).
//   node scripts/check-package.js                   the listing of `npm pack --dry-run --ignore-scripts`
//   node scripts/check-package.js --tarball TGZ [--require PATH]...
//                                                   the listing of a packed tarball, which must also
//                                                   hold each PATH (scripts/prebuilt/check-pack.sh:
//                                                   the prebuilt libraries the native builds resolved)
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { tarballFiles } = require('./prebuilt/tarball');

const root = path.join(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const args = process.argv.slice(2);
const tarball = args.includes('--tarball') ? args[args.indexOf('--tarball') + 1] : null;
const required = args.flatMap((a, i) => (a === '--require' ? [args[i + 1]] : []));
let packed;
if (tarball) {
  packed = { size: fs.statSync(tarball).size, files: tarballFiles(tarball) };
} else {
  packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  )[0];
}
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
  if (/(^|\/)(__tests__|tests|jvmTest)\//.test(f)) problems.push(`test file ${f} would be published`);
  if (f.startsWith('rust/jsi-host/')) problems.push(`${f} would be published (the Linux JSI host: tests, benchmarks, torture suite)`);
  if (/^(android|ios)\/(build|\.cxx|\.gradle)\//.test(f)) problems.push(`build output ${f} would be published`);
}
// Targets the Rust manifests declare by name: without them no build from source starts.
for (const manifest of [...files].filter((f) => /^rust\/[^/]+\/Cargo\.toml$/.test(f))) {
  const text = fs.readFileSync(path.join(root, manifest), 'utf8');
  for (const m of text.matchAll(/^\[\[(bench|example|test|bin)\]\]\s*\nname\s*=\s*"([^"]+)"/gm)) {
    const dir = { bench: 'benches', example: 'examples', test: 'tests', bin: 'src/bin' }[m[1]];
    const file = `${path.dirname(manifest)}/${dir}/${m[2]}.rs`;
    if (!files.has(file)) problems.push(`${manifest} declares the ${m[1]} ${m[2]}, but ${file} is not in the package (cargo would refuse the manifest)`);
  }
}
for (const f of required) if (!files.has(f)) problems.push(`${f} is not in the tarball (a native build reads it)`);
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
console.log(`package${tarball ? ` ${path.basename(tarball)}` : ''}: ${files.size} files, ${(packed.size / 1024).toFixed(0)} KiB packed; ` +
  `${entries.length} entry points present${required.length ? `; the ${required.length} files the native builds resolved present` : ''}`);
