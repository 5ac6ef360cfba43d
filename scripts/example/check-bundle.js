#!/usr/bin/env node
// Checks a release bundle of the example app and its source map (scripts/check-example.sh):
//   - the library is in it, from its TypeScript sources (src-ts/), not from a build in lib/;
//   - the app's own screen is in it;
//   - exactly one react and one react-native, both the example's own (example/node_modules);
//   - nothing from the repository root's node_modules.
//
//   node scripts/example/check-bundle.js <bundle> <source map>
'use strict';
const fs = require('fs');
const path = require('path');

const [bundlePath, mapPath] = process.argv.slice(2);
const repo = path.resolve(__dirname, '..', '..');
const appModules = path.join(repo, 'example', 'node_modules') + path.sep;
const problems = [];
const expect = (ok, what) => ok || problems.push(what);

const bundle = fs.readFileSync(bundlePath, 'utf8');
// A message only src-ts/Sessions.ts has, and one only the example's screen has.
expect(bundle.includes('call Sessions.init(config) first'), "the library's 'call Sessions.init(config) first' message is missing");
expect(bundle.includes('Sessions.init runs once per launch'), "the example's start screen text is missing");

const map = JSON.parse(fs.readFileSync(mapPath, 'utf8'));
const sources = (map.sections ? map.sections.map((s) => s.map.sources).flat() : map.sources)
  .filter((s) => path.isAbsolute(s))
  .map((s) => path.normalize(s));
const inRepo = (...p) => path.join(repo, ...p);
for (const file of ['src-ts/index.ts', 'src-ts/Sessions.ts', 'src-ts/useSession.ts', 'example/src/SessionsScreen.tsx']) {
  expect(sources.includes(inRepo(file)), `${file} is not in the bundle`);
}
const under = (dir) => sources.filter((s) => s.startsWith(inRepo(dir) + path.sep));
expect(under('lib').length === 0, `built files from lib/ are bundled: ${under('lib').slice(0, 3).join(', ')}`);
const rootModules = under('node_modules');
expect(rootModules.length === 0, `files from the root node_modules are bundled: ${rootModules.slice(0, 3).join(', ')}`);

// Every copy of a package is a node_modules/<name>/ folder some bundled file sits in.
for (const name of ['react', 'react-native']) {
  const copies = new Set();
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  for (const s of sources) {
    const i = s.lastIndexOf(marker);
    if (i >= 0) copies.add(s.slice(0, i + marker.length));
  }
  const list = [...copies];
  expect(list.length === 1 && list[0] === appModules + name + path.sep, `${name}: ${list.length} copies (${list.join(', ') || 'none'})`);
}

for (const p of problems) console.log(`${path.basename(bundlePath)}: ${p}`);
if (!problems.length) console.log(`${path.basename(bundlePath)}: ${sources.length} modules; the library from src-ts/; one react, one react-native (example/node_modules)`);
process.exit(problems.length ? 1 : 0);
