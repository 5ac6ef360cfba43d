#!/usr/bin/env node
// Apple SDK names in the iOS glue, checked without an Apple SDK: every NS*/UI*/dispatch_*
// identifier in ios/ must be listed in apple-names.txt, and each listed name must be declared in
// GNUstep's Foundation headers or used by the pinned React Native's own iOS sources (see the
// file's header). Names checkable in neither are printed as unchecked.
//
//   node scripts/native/check-apple-names.js --foundation DIR --react-native DIR [--glue DIR]
//
// --foundation: GNUstep's Foundation headers (/usr/include/GNUstep/Foundation); --react-native:
// the pinned react-native package; --glue: the folder holding ios/ (default: the repository).
// Prints one line per problem; exits 1 if there is any.
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  if (fallback === undefined) throw new Error(`check-apple-names: missing ${name} DIR`);
  return fallback;
};
const foundation = path.resolve(opt('--foundation'));
const reactNative = path.resolve(opt('--react-native'));
const glue = path.resolve(opt('--glue', path.join(__dirname, '..', '..')));

const problems = [];
const unchecked = [];
const read = (f) => fs.readFileSync(f, 'utf8');

// The list.
const entries = [];
for (const [i, line] of read(path.join(__dirname, 'apple-names.txt')).split('\n').entries()) {
  if (!line.trim() || line.trim().startsWith('#')) continue;
  const cols = line.split(' | ').map((s) => s.trim());
  if (cols.length !== 3) throw new Error(`apple-names.txt:${i + 1}: expected 'name | source | text'`);
  entries.push({ line: i + 1, name: cols[0], source: cols[1], pattern: cols[2] });
}
const listed = new Set(entries.map((e) => e.name));

// The glue, without comments (names in prose are not uses).
const iosDir = path.join(glue, 'ios');
const glueFiles = fs.readdirSync(iosDir).filter((f) => /\.(h|m|mm)$/.test(f)).map((f) => path.join(iosDir, f));
const glueCode = glueFiles.map((f) => read(f).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ')).join('\n');
const SKIP = new Set(['UIKit']); // the framework's name in #import <UIKit/UIKit.h>
const used = new Set([...glueCode.matchAll(/\b(?:NS|UI)[A-Z_]\w*|\bdispatch_\w+|\bsysctlbyname\b/g)].map((m) => m[0]));
for (const name of [...used].sort()) {
  if (!SKIP.has(name) && !listed.has(name)) problems.push(`ios/: ${name} is not in scripts/native/apple-names.txt (add it with where it is declared)`);
}

// Files of the react-native package matching a glob ('**' = any folders, '*' = within a name).
function rnFiles(glob) {
  const re = new RegExp('^' + glob.split('/').map((part) => (part === '**' ? '(?:.*/)?' : part.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*') + '/')).join('').replace(/\/$/, '').replace(/\(\?:\.\*\/\)\?\//g, '(?:.*/)?') + '$');
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(path.relative(reactNative, p))) out.push(p);
    }
  };
  const top = glob.split('/')[0];
  if (fs.existsSync(path.join(reactNative, top))) walk(path.join(reactNative, top));
  return out;
}

let checked = 0;
for (const e of entries) {
  if (!new RegExp(`\\b${e.name.replace(/[^\w]/g, '')}\\b`).test(glueCode)) {
    problems.push(`apple-names.txt:${e.line}: '${e.name}' is not used by ios/ (stale entry)`);
    continue;
  }
  if (e.source === 'unchecked') {
    unchecked.push(`${e.name} (${e.pattern})`);
    continue;
  }
  const [kind, where] = e.source.split(/:(.*)/s);
  // Declarations wrap and align freely: compare with all whitespace removed on both sides.
  const re = new RegExp(e.pattern.replace(/\s+/g, '').split('…').map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\w+'));
  const squeeze = (f) => read(f).replace(/\s+/g, '');
  let files;
  if (kind === 'foundation') files = [path.join(foundation, where)].filter((f) => fs.existsSync(f));
  else if (kind === 'react-native') files = rnFiles(where);
  else throw new Error(`apple-names.txt:${e.line}: unknown source '${e.source}'`);
  checked++;
  if (!files.length) problems.push(`apple-names.txt:${e.line}: '${e.name}': no file ${e.source}`);
  else if (!files.some((f) => re.test(squeeze(f)))) problems.push(`apple-names.txt:${e.line}: '${e.name}': /${e.pattern}/ not found in ${e.source}`);
}

for (const p of problems) console.log(`missing: ${p}`);
console.log(`${checked} Apple names checked (GNUstep Foundation, React Native's iOS sources); unchecked here: ${unchecked.join(', ') || 'none'}`);
process.exit(problems.length ? 1 : 0);
