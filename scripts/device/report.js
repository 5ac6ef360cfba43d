#!/usr/bin/env node
// Gathers what check-device.sh measured for the given targets into target/device/results.json
// and prints a table: archive size, build time, and for Android the stripped shared library
// against the size goal (issue 14: at most 0.9 MB for arm64-v8a). A size is reported, never a
// test failure; a missing measurement is one (exit 1).
//
//   node scripts/device/report.js TARGET...
'use strict';
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..', '..', 'target', 'device');
const GOAL = { target: 'aarch64-linux-android', bytes: 0.9e6 };
const ABI = {
  'aarch64-linux-android': 'arm64-v8a',
  'armv7-linux-androideabi': 'armeabi-v7a',
  'x86_64-linux-android': 'x86_64',
  'i686-linux-android': 'x86',
};
const read = (t, f) => {
  const p = path.join(dir, t, f);
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null;
};

const targets = process.argv.slice(2);
const results = { date: new Date().toISOString(), goal: GOAL, targets: {} };
const missing = [];
for (const t of targets) {
  const r = { build: read(t, 'build.json'), archiveBytes: read(t, 'archive.json')?.archiveBytes ?? null };
  if (ABI[t]) {
    r.abi = ABI[t];
    r.so = read(t, 'so.json');
    if (!r.so) missing.push(`${t}: linked size`);
  }
  if (!r.build || !r.archiveBytes) missing.push(`${t}: build or archive`);
  results.targets[t] = r;
}
const breakdown = read(GOAL.target, 'breakdown.json');
if (targets.includes(GOAL.target)) results.breakdown = breakdown;
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2));

const mb = (b) => (b / 1e6).toFixed(2);
console.log(`${'target'.padEnd(26)}${'build'.padStart(8)}${'staticlib'.padStart(11)}  linked .so, stripped`);
for (const [t, r] of Object.entries(results.targets)) {
  const build = !r.build ? '-' : r.build.cached ? 'cached' : `${r.build.seconds} s${r.build.parallel > 1 ? '*' : ''}`;
  let so = '';
  if (r.so) {
    so = `${mb(r.so.strippedBytes)} MB (${r.abi})`;
    if (t === GOAL.target) so += `; goal ≤ ${mb(GOAL.bytes)} MB: ${r.so.strippedBytes <= GOAL.bytes ? 'met' : 'NOT met'}`;
  }
  console.log(`${t.padEnd(26)}${build.padStart(8)}${(r.archiveBytes ? `${mb(r.archiveBytes)} MB` : '-').padStart(11)}  ${so}`);
}
if (Object.values(results.targets).some((r) => r.build?.parallel > 1)) {
  console.log('* built beside another target (scripts/device/build.sh, DEVICE_PARALLEL): the two shared the cores');
}
if (results.breakdown) {
  const s = results.breakdown.sections;
  console.log(`\n${GOAL.target} linked: .text ${(s['.text'] / 1024).toFixed(0)} KiB, .eh_frame ${((s['.eh_frame'] ?? 0) / 1024).toFixed(0)} KiB, ` +
    `.rodata ${((s['.rodata'] ?? 0) / 1024).toFixed(0)} KiB; sized symbols by crate:`);
  for (const c of results.breakdown.crates.slice(0, 12)) console.log(`  ${c.name.padEnd(40)} ${(c.bytes / 1024).toFixed(0).padStart(5)} KiB`);
}
if (missing.length) {
  console.error(`device report: missing measurements:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
