// For `npm test`: `npm run bench -- --quick` ran and wrote well-formed results (every figure
// present and finite). It checks the shape, never a time.
'use strict';
const fs = require('fs');
const path = require('path');
const file = path.join(__dirname, '..', '..', 'target', 'bench', 'results.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const problems = [];
if (!Array.isArray(r.figures) || r.figures.length < 16) problems.push(`expected at least 16 figures, got ${r.figures?.length}`);
for (const f of r.figures ?? []) {
  // A difference of two measurements (the library's memory share) may come out at or below zero.
  const difference = f.what.includes("the library's share");
  if (!Number.isFinite(f.value) || (!difference && f.value <= 0)) problems.push(`${f.what}: value ${f.value}`);
  if (f.baselineValue !== null && !(Number.isFinite(f.baselineValue) && f.baselineValue > 0)) problems.push(`${f.what}: baseline ${f.baselineValue}`);
}
for (const suite of ['binding', 'otel-bridge', 'peers', 'peersNoJit', 'startup', 'memory', 'memoryBaseline']) if (!r.host?.[suite]) problems.push(`host suite ${suite} missing`);
const dirs = r.host?.storageDirs ?? [];
if (dirs.length === 0) problems.push('host.json lists no storage directories');
for (const dir of dirs) if (fs.existsSync(dir)) problems.push(`a launch's storage directory was left behind: ${dir}`);
const memoryRuns = r.host?.memoryRuns ?? [];
for (const jit of [true, false]) {
  const measured = (x) => x?.rssAfterFlushKiB > 0 && x?.rssAnonAfterFlushKiB > 0 && x?.rssAnonBeforeKiB > 0;
  if (!memoryRuns.some((m) => m.jit === jit && measured(m.ours) && measured(m.baseline))) {
    problems.push(`memory run with the JIT ${jit ? 'on' : 'off'} missing`);
  }
}
if (!(r.size?.strippedBytes > 0)) problems.push('library size missing');
const arm64 = r.size?.device?.targets?.['aarch64-linux-android'];
if (!(arm64?.so?.strippedBytes > 0)) problems.push('arm64-v8a linked library size missing (scripts/device/check-device.sh)');
if (!(r.size?.device?.breakdown?.crates?.length > 0)) problems.push('arm64-v8a size breakdown missing');
if (!r.figures?.some((f) => f.what.startsWith('library size, Android arm64-v8a'))) problems.push('no arm64-v8a size figure');
// The packed npm package (scripts/prebuilt/check-pack.sh runs before the benchmarks in npm test).
const pack = r.size?.package;
if (!(pack?.packedBytes > 0 && pack?.unpackedBytes > pack?.packedBytes)) problems.push('npm package sizes missing (scripts/prebuilt/pack.sh)');
const libs = pack?.libraries ?? [];
if (libs.length !== 6 || !libs.every((l) => l.bytes > 0 && l.gzipBytes > 0)) problems.push(`expected 6 prebuilt libraries with sizes (4 Android ABIs, 2 xcframework libraries), got ${libs.length}`);
if (Object.keys(pack?.linked ?? {}).length !== 7) problems.push('expected the linked size of 7 targets (scripts/prebuilt/check-pack.sh)');
if (!r.figures?.some((f) => f.what.startsWith('npm package'))) problems.push('no npm package size figure');
if (problems.length) {
  console.error(`bench results malformed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`bench results well-formed: ${r.figures.length} figures`);
