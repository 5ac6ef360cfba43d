#!/usr/bin/env node
// Symbol check of the native glue: every React Native class, header, CMake target and member the
// glue names must exist in each given react-native package. Imports, includes and CMake targets
// are read from the glue itself; members come from rn-members.txt.
//
//   node scripts/native/check-symbols.js --glue DIR --codegen-ios DIR RN_DIR [RN_DIR...]
//
// --glue: the folder holding android/, ios/ and the podspec (the repository root, or a copy for
// the self-test). --codegen-ios: codegen output for iOS (for <OtelSessionsSpec/...> imports).
// Prints one line per problem and a summary per version; exits 1 if anything is missing.
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0) throw new Error(`missing ${name}`);
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const glue = path.resolve(opt('--glue'));
const codegenIos = path.resolve(opt('--codegen-ios'));
const rnDirs = args.map((d) => path.resolve(d));
const repo = path.resolve(__dirname, '..', '..');

const read = (f) => fs.readFileSync(f, 'utf8');
const exists = (f) => fs.existsSync(f);
function walk(dir, re, out = []) {
  if (!exists(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'build' && e.name !== '.cxx' && e.name !== '.gradle') walk(p, re, out);
    } else if (re.test(e.name)) out.push(p);
  }
  return out;
}
// `dir/name.*`-style globs on the last path component only.
function globFiles(root, rel) {
  if (!rel.includes('*')) return exists(path.join(root, rel)) ? [path.join(root, rel)] : [];
  const dir = path.join(root, path.dirname(rel));
  if (!exists(dir)) return [];
  const re = new RegExp('^' + path.basename(rel).replace(/[.]/g, '\\.').replace(/\*/g, '.*') + '$');
  return fs.readdirSync(dir).filter((n) => re.test(n)).map((n) => path.join(dir, n));
}

// ---- What the glue names -------------------------------------------------------------------
const kotlinFiles = walk(path.join(glue, 'android/src/main/java'), /\.(kt|java)$/);
const androidCpp = walk(path.join(glue, 'android/src/main/cpp'), /\.(h|cpp)$/);
const iosFiles = walk(path.join(glue, 'ios'), /\.(h|m|mm)$/);
const cmakeFile = path.join(glue, 'android/CMakeLists.txt');
const podspec = path.join(glue, 'react-native-otel-sessions.podspec');
const glueFiles = [...kotlinFiles, ...androidCpp, ...iosFiles, cmakeFile, podspec].filter(exists);
const glueText = glueFiles.map(read).join('\n');

const imports = []; // { file, name }
for (const f of kotlinFiles) {
  for (const m of read(f).matchAll(/^import\s+([\w.]+)/gm)) imports.push({ file: f, name: m[1] });
}
const includes = []; // { file, header, quoted, android }
for (const f of [...androidCpp, ...iosFiles]) {
  for (const m of read(f).matchAll(/^\s*#\s*(?:include|import)\s+([<"])([^>"]+)[>"]/gm)) {
    includes.push({ file: f, header: m[2], quoted: m[1] === '"', android: androidCpp.includes(f) });
  }
}
const cmakeText = exists(cmakeFile) ? read(cmakeFile) : '';
const cmakeTargets = [...cmakeText.matchAll(/\b(\w+)::(\w+)\b/g)].map((m) => ({ ns: m[1], name: m[2] }));
const cmakeRnFiles = [...cmakeText.matchAll(/\$\{REACT_NATIVE_DIR\}\/([^"\s)]+)/g)].map((m) => m[1]);

// Packages and headers that are not React Native's: the platform SDKs, fbjni (its own artifact,
// a dependency of react-android), OkHttp and Okio (react-android's dependencies), the C++
// standard library. scripts/native/android-kotlin.sh compiles against all of them.
const EXTERNAL_KOTLIN = /^(android|androidx|java|javax|kotlin|org\.json|okhttp3|okio)\./;
const EXTERNAL_HEADER = /^(Foundation|UIKit|sys|fbjni)\//;
const OUR_PACKAGE = 'com.otelsessions.';

// ---- React Native side ---------------------------------------------------------------------
// Android prefab modules: name -> [[srcDir relative to ReactAndroid, include prefix], ...].
function prefabModules(rn) {
  const text = read(path.join(rn, 'ReactAndroid/build.gradle.kts'));
  const modules = new Map();
  const parts = text.split('PrefabPreprocessingEntry(').slice(1);
  for (const part of parts) {
    const name = part.match(/^\s*"([^"]+)"/);
    if (!name) continue;
    const body = part.split(/\n\s*\)\s*,?\s*\n\s*(?:Prefab|\))/)[0];
    const pairs = [...body.matchAll(/Pair\(\s*"([^"]+)"\s*,\s*"([^"]*)"\s*\)/g)].map((m) => [m[1], m[2]]);
    modules.set(name[1], (modules.get(name[1]) || []).concat(pairs));
  }
  return modules;
}
function prefabHeader(rn, modules, header) {
  for (const [name, pairs] of modules) {
    for (const [src, prefix] of pairs) {
      if (!header.startsWith(prefix)) continue;
      if (exists(path.join(rn, 'ReactAndroid', src, header.slice(prefix.length)))) return name;
    }
  }
  return null;
}
// iOS: pods publish headers under their header_dir; React-Core flattens React/ and Libraries/.
function iosHeader(rn, header, index) {
  const [dir, ...rest] = header.split('/');
  const base = rest.join('/');
  if (dir === 'React') return (index.get(path.basename(header)) || []).some((p) => /^(React|Libraries|ReactCommon)\//.test(p));
  return (index.get(path.basename(header)) || []).some((p) => p.endsWith(`/${dir}/${base}`) || p === `${dir}/${base}`);
}
function headerIndex(rn) {
  const index = new Map();
  for (const top of ['React', 'ReactCommon', 'Libraries', 'ReactApple']) {
    for (const f of walk(path.join(rn, top), /\.h$/)) {
      const rel = path.relative(rn, f);
      const key = path.basename(f);
      if (!index.has(key)) index.set(key, []);
      index.get(key).push(rel);
    }
  }
  return index;
}
function parseMembers() {
  const entries = [];
  for (const [i, line] of read(path.join(__dirname, 'rn-members.txt')).split('\n').entries()) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const cols = line.split(' | ').map((s) => s.trim());
    if (cols.length < 3) throw new Error(`rn-members.txt:${i + 1}: expected 'token | file | regex [| group]'`);
    entries.push({ line: i + 1, token: cols[0], file: cols[1], re: new RegExp(cols[2]), group: cols[3] || null });
  }
  return entries;
}

// ---- Checks --------------------------------------------------------------------------------
const problems = [];
const rel = (f) => path.relative(glue, f);
let external = 0;
const members = parseMembers();
for (const m of members) {
  if (!glueText.includes(m.token)) problems.push(`rn-members.txt:${m.line}: '${m.token}' is not used by the glue (stale entry)`);
}
const linkedPrefab = new Set(cmakeTargets.filter((t) => t.ns === 'ReactAndroid').map((t) => t.name));
const groupHits = new Map(); // group -> Map(version -> hits)
const entryHits = new Map(); // entry -> number of versions matched

for (const rn of rnDirs) {
  const version = JSON.parse(read(path.join(rn, 'package.json'))).version;
  const missing = (what) => problems.push(`react-native ${version}: ${what}`);
  const javaRoot = path.join(rn, 'ReactAndroid/src/main/java');
  let checked = 0;

  for (const { file, name } of imports) {
    if (EXTERNAL_KOTLIN.test(name)) { external++; continue; }
    checked++;
    if (name.startsWith(OUR_PACKAGE)) continue; // same module
    const p = path.join(javaRoot, ...name.split('.'));
    if (!exists(p + '.kt') && !exists(p + '.java')) missing(`${rel(file)}: import ${name}: no such class in ReactAndroid/src/main/java`);
  }

  const modules = prefabModules(rn);
  const index = headerIndex(rn);
  for (const inc of includes) {
    const h = inc.header;
    if (inc.quoted) {
      const local = [path.dirname(inc.file), path.join(glue, 'rust/jsi/cpp'), path.join(glue, 'rust/jsi/include'),
        path.join(repo, 'rust/jsi/cpp'), path.join(repo, 'rust/jsi/include')];
      if (!local.some((d) => exists(path.join(d, h)))) problems.push(`${rel(inc.file)}: #include "${h}": not in the package`);
      continue;
    }
    if (!h.includes('/') || EXTERNAL_HEADER.test(h)) { external++; continue; }
    checked++;
    if (h.startsWith('OtelSessionsSpec/')) {
      if (!exists(path.join(codegenIos, h))) problems.push(`${rel(inc.file)}: <${h}>: not generated by codegen`);
      continue;
    }
    if (inc.android) {
      const mod = prefabHeader(rn, modules, h);
      if (!mod) missing(`${rel(inc.file)}: <${h}>: not exported by any ReactAndroid prefab module`);
      else if (!linkedPrefab.has(mod)) missing(`${rel(inc.file)}: <${h}> comes from prefab module '${mod}', which CMakeLists.txt does not link`);
    } else if (!iosHeader(rn, h, index)) {
      missing(`${rel(inc.file)}: <${h}>: no such header in React/, ReactCommon/, Libraries/`);
    }
  }

  for (const t of cmakeTargets) {
    if (t.ns === 'fbjni') { external++; continue; }
    checked++;
    if (t.ns !== 'ReactAndroid') missing(`android/CMakeLists.txt: ${t.ns}::${t.name}: unknown prefab package`);
    else if (!modules.has(t.name)) missing(`android/CMakeLists.txt: ReactAndroid::${t.name}: no such prefab module in ReactAndroid/build.gradle.kts`);
  }
  for (const f of cmakeRnFiles) {
    checked++;
    if (!exists(path.join(rn, f))) missing(`android/CMakeLists.txt: \${REACT_NATIVE_DIR}/${f}: no such file`);
  }

  for (const m of members) {
    checked++;
    const files = globFiles(rn, m.file);
    const hit = files.some((f) => m.re.test(read(f)));
    if (hit) entryHits.set(m, (entryHits.get(m) || 0) + 1);
    if (m.group) {
      if (!groupHits.has(m.group)) groupHits.set(m.group, new Map());
      const g = groupHits.get(m.group);
      g.set(version, (g.get(version) || 0) + (hit ? 1 : 0));
    } else if (!hit) {
      missing(`rn-members.txt:${m.line}: '${m.token}': ${files.length ? `/${m.re.source}/ not found in ${m.file}` : `no file ${m.file}`}`);
    }
  }
  console.log(`react-native ${version}: ${checked} names checked`);
}
for (const [group, byVersion] of groupHits) {
  for (const [version, hits] of byVersion) {
    if (hits === 0) problems.push(`react-native ${version}: group '${group}': none of its alternatives exists`);
  }
}
for (const m of members) {
  if (m.group && !entryHits.get(m)) problems.push(`rn-members.txt:${m.line}: '${m.token}' (group ${m.group}) exists in no checked version`);
}
console.log(`${external} platform/fbjni/std names skipped (not React Native's)`);
for (const p of problems) console.log(`missing: ${p}`);
process.exit(problems.length ? 1 : 0);
