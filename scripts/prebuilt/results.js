#!/usr/bin/env node
// What the packed npm package weighs: the tarball (packed), the sum of its files (unpacked), and
// each prebuilt library read out of the tarball: its bytes, and its bytes gzip'd alone (about what
// it adds to the packed tarball). Writes target/prebuilt/results.json, which
// scripts/bench/collect.js puts into the bench results, and prints a summary. The goal (issue 20)
// is a packed tarball of at most 15 MB: a size is reported, never a test failure.
//
//   node scripts/prebuilt/results.js TGZ PACK_SECONDS
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { tarballFiles } = require('./tarball');

const GOAL_PACKED_BYTES = 15e6;
const isLibrary = (p) => /^(android|ios)\/prebuilt\/.*\.a$/.test(p);

const [tgz, seconds] = process.argv.slice(2);
if (!tgz || seconds === undefined) {
  console.error('usage: node scripts/prebuilt/results.js TGZ PACK_SECONDS');
  process.exit(2);
}
const files = tarballFiles(tgz, isLibrary);
const libraries = files
  .filter((f) => f.data)
  .map((f) => ({ path: f.path, bytes: f.size, gzipBytes: zlib.gzipSync(f.data, { level: 9 }).length }));
const results = {
  date: new Date().toISOString(),
  tarball: path.basename(tgz),
  packSeconds: Number(seconds),
  packedBytes: fs.statSync(tgz).size,
  unpackedBytes: files.reduce((n, f) => n + f.size, 0),
  files: files.length,
  goalPackedBytes: GOAL_PACKED_BYTES,
  libraries,
};
const out = path.join(__dirname, '..', '..', 'target', 'prebuilt', 'results.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

const mb = (b) => (b / 1e6).toFixed(2);
console.log(`package ${results.tarball}: ${mb(results.packedBytes)} MB packed (goal ≤ ${mb(GOAL_PACKED_BYTES)} MB: ` +
  `${results.packedBytes <= GOAL_PACKED_BYTES ? 'met' : 'NOT met'}), ${mb(results.unpackedBytes)} MB unpacked, ` +
  `${results.files} files; npm pack took ${seconds} s`);
for (const l of libraries) console.log(`  ${l.path.padEnd(84)} ${mb(l.bytes).padStart(6)} MB (${mb(l.gzipBytes)} MB gzip'd)`);
console.log(`results: ${path.relative(process.cwd(), out)}`);
if (libraries.length === 0) {
  console.error('results: the tarball holds no prebuilt library');
  process.exit(1);
}
