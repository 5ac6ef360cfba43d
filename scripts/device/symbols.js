// Reading symbol tables of the device library with LLVM's tools, and the facts they are checked
// against: the C ABI's functions (parsed from rust/jsi/include/otel_sessions.h) and the system
// symbols each platform provides (platform-symbols/*.txt). Used by check-symbols.js and
// link-android.sh's checks; no side effects.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const LLVM_BIN = process.env.LLVM_BIN || '/usr/lib/llvm-22/bin';
const HEADER = path.join(__dirname, '..', '..', 'rust', 'jsi', 'include', 'otel_sessions.h');

/**
 * The functions a C header declares: every `name(` outside comments and preprocessor lines that
 * is not a function-pointer typedef (`(*Name)(`). Throws when the header declares none.
 */
function headerFunctions(text = fs.readFileSync(HEADER, 'utf8')) {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/^\s*#[^\n]*(\\\n[^\n]*)*/gm, ' ');
  const names = new Set();
  for (const decl of code.split(/[;{}]/)) {
    if (/\btypedef\b/.test(decl)) continue;
    const m = /\b([A-Za-z_]\w*)\s*\(/.exec(decl);
    if (m) names.add(m[1]);
  }
  if (names.size === 0) throw new Error('otel_sessions.h: no function declarations found');
  return [...names].sort();
}

/** Rust-mangled names (v0 `_R...`, legacy `_ZN...17h<hash>E`), with Mach-O's extra underscore. */
const isRustMangled = (name) => /^_?_R[A-Z]/.test(name) || /^_?_ZN.*17h[0-9a-f]{16}E$/.test(name);

const run = (tool, args) =>
  execFileSync(path.join(LLVM_BIN, tool), args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Every global or weak symbol of an archive or object: { name, defined, weak, hidden, member }.
 * ELF through llvm-readelf (binding, visibility), Mach-O through `llvm-nm -m` (external or
 * private external); `macho` strips Mach-O's leading underscore from names.
 */
function archiveSymbols(file, { macho }) {
  const out = [];
  if (macho) {
    let member = null;
    // --no-llvm-bc: the Mach-O symbol table itself, not the embedded bitcode's.
    for (const line of run('llvm-nm', ['-m', '--no-llvm-bc', '--no-sort', file]).split('\n')) {
      const head = /^.*\((.+)\):$/.exec(line);
      if (head) { member = head[1]; continue; }
      const m = /^\s*(?:[0-9a-f]+\s+)?\(([^)]+)\)\s+(weak )?(private )?(external|non-external)\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
      if (!m || m[4] !== 'external') continue;
      // In `llvm-nm -m`, "weak" before "external" on an undefined symbol is a weak reference.
      const defined = m[1] !== 'undefined';
      out.push({ name: m[5].replace(/^_/, ''), defined, weak: Boolean(m[2]), hidden: Boolean(m[3]), member });
    }
  } else {
    let member = null;
    for (const line of run('llvm-readelf', ['--symbols', '--wide', file]).split('\n')) {
      const head = /^File: .*\((.+)\)$/.exec(line);
      if (head) { member = head[1]; continue; }
      const m = /^\s*\d+:\s+[0-9a-f]+\s+\S+\s+\S+\s+(GLOBAL|WEAK)\s+(DEFAULT|HIDDEN|PROTECTED|INTERNAL|\[[^\]]*\])\s+(\S+)\s+(\S+)/.exec(line);
      if (!m) continue;
      const vis = m[2].startsWith('[') ? /HIDDEN|INTERNAL/.exec(m[2])?.[0] ?? 'DEFAULT' : m[2];
      out.push({ name: m[4].replace(/@.*$/, ''), defined: m[3] !== 'UND', weak: m[1] === 'WEAK', hidden: vis === 'HIDDEN' || vis === 'INTERNAL', member });
    }
  }
  return out;
}

/** A shared object's dynamic symbols: { name, defined, weak }. */
function dynamicSymbols(file) {
  const out = [];
  for (const line of run('llvm-readelf', ['--dyn-syms', '--wide', file]).split('\n')) {
    const m = /^\s*\d+:\s+[0-9a-f]+\s+\S+\s+\S+\s+(GLOBAL|WEAK)\s+\S+\s+(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ name: m[3].replace(/@.*$/, ''), defined: m[2] !== 'UND', weak: m[1] === 'WEAK' });
  }
  return out;
}

/**
 * A platform's list of system symbols: `name library [since=N] [weak-only]` per line, `#`
 * comments. Returns Map name -> { library, since, line }.
 */
function platformSymbols(file) {
  const map = new Map();
  fs.readFileSync(file, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [name, library, ...rest] = line.split(/\s+/);
    if (!library) throw new Error(`${file}:${i + 1}: "${name}" names no library`);
    const since = rest.find((r) => r.startsWith('since='));
    map.set(name, { library, since: since ? Number(since.slice(6)) : 0, line: i + 1 });
  });
  return map;
}

module.exports = { HEADER, LLVM_BIN, headerFunctions, isRustMangled, archiveSymbols, dynamicSymbols, platformSymbols, run };
