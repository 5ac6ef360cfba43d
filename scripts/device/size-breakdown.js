#!/usr/bin/env node
// Where the bytes of a linked device library go: its sections, and the sized symbols that
// survived the link grouped by crate (the first path segment of the demangled name, as
// cargo-bloat does: generic std code instantiated for our types counts as std). Symbols are
// read from the unstripped library that link-android.sh keeps beside the stripped one.
//
//   node scripts/device/size-breakdown.js LIB.unstripped.so [--top N]
//
// Prints JSON: { sections: {name: bytes}, symbolBytes, crates: [{ name, bytes, symbols }] }.
'use strict';
const { run } = require('./symbols');

const file = process.argv[2];
const topAt = process.argv.indexOf('--top');
const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 15;
if (!file) {
  console.error('usage: node scripts/device/size-breakdown.js LIB.unstripped.so [--top N]');
  process.exit(2);
}

/** The crate a demangled symbol belongs to. */
function crateOf(name) {
  if (/^ots_/.test(name)) return 'otel_sessions_jsi';
  // opt-level z on aarch64 runs LLVM's machine outliner: code shared by many functions.
  if (/^OUTLINED_FUNCTION_/.test(name)) return '[outlined code, any crate]';
  const path = name.replace(/^(?:<|&|\*const |\*mut |dyn |\[|\()+/, '');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(path);
  if (m) return m[1];
  return /^rust_|^__rust/.test(name) ? 'std' : '[C names: compiler-builtins, runtime]';
}

const sections = {};
for (const line of run('llvm-readelf', ['--sections', '--wide', file]).split('\n')) {
  const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*)/.exec(line);
  if (m && m[3].includes('A')) sections[m[1]] = parseInt(m[2], 16); // allocated sections only
}

const crates = new Map();
let symbolBytes = 0;
for (const line of run('llvm-nm', ['--print-size', '--size-sort', '--defined-only', '--demangle', file]).split('\n')) {
  const m = /^[0-9a-f]+ ([0-9a-f]+) [A-Za-z] (.+)$/.exec(line);
  if (!m) continue;
  const bytes = parseInt(m[1], 16);
  const crate = crateOf(m[2]);
  const c = crates.get(crate) || { name: crate, bytes: 0, symbols: 0 };
  c.bytes += bytes;
  c.symbols += 1;
  crates.set(crate, c);
  symbolBytes += bytes;
}
const sorted = [...crates.values()].sort((a, b) => b.bytes - a.bytes);
console.log(JSON.stringify({ sections, symbolBytes, crates: sorted.slice(0, top) }, null, 2));
