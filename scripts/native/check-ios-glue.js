#!/usr/bin/env node
// Rules of the iOS glue (ios/) that no compiler here can enforce (there is no Apple SDK on the
// project's Linux machines), each from a defect found on review (issue 19):
//   extension-safe  no UIApplication.sharedApplication: unavailable in app extensions
//                   (APPLICATION_EXTENSION_API_ONLY); use RCTSharedApplication(), nil there.
//   main-thread     UIDevice and applicationState only inside RCTUnsafeExecuteOnMainQueueSync
//                   blocks (UIKit is main-thread only; the module's setup may run elsewhere).
//   main-setup      +requiresMainQueueSetup returns YES: the module is then created on the main
//                   thread before JavaScript can call Sessions.init, so the app state at launch
//                   and the transport are in place first.
//   utf8-format     no %s in format strings: it decodes bytes in the system encoding, not UTF-8;
//                   box C strings with @(...).
//   transport       the module's -init registers the HTTP transport (OTSHttpTransport install,
//                   which calls ots_set_transport).
//   provider        package.json codegenConfig.ios.modulesProvider maps the spec's module name to
//                   the class that exports it (React Native 0.77+ looks modules up there).
//
//   node scripts/native/check-ios-glue.js [--glue DIR]   (DIR holds ios/ and package.json)
// Prints one line per problem; exits 1 if there is any.
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const i = args.indexOf('--glue');
const glue = path.resolve(i < 0 ? path.join(__dirname, '..', '..') : args[i + 1]);
const iosDir = path.join(glue, 'ios');
const problems = [];

/** The source without comments and string literals' contents (kept as ""), offsets preserved. */
function code(text, keepStrings) {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|@?"(?:[^"\\\n]|\\.)*"/g, (m) =>
    m.startsWith('/') ? m.replace(/[^\n]/g, ' ') : keepStrings ? m : m.replace(/[^\n"@]/g, ' '));
}
const lineOf = (text, offset) => text.slice(0, offset).split('\n').length;

/** [start, end) ranges of the bodies of RCTUnsafeExecuteOnMainQueueSync(^{ ... }) blocks. */
function mainQueueBlocks(src) {
  const ranges = [];
  for (const m of src.matchAll(/RCTUnsafeExecuteOnMainQueueSync\(\s*\^\s*\{/g)) {
    let depth = 1;
    let p = m.index + m[0].length;
    for (; p < src.length && depth > 0; p++) {
      if (src[p] === '{') depth++;
      else if (src[p] === '}') depth--;
    }
    ranges.push([m.index + m[0].length, p]);
  }
  return ranges;
}

/** The body of the Objective-C method whose signature matches re, or null. */
function methodBody(src, re) {
  const m = src.match(re);
  if (!m) return null;
  let p = src.indexOf('{', m.index + m[0].length);
  const start = p + 1;
  let depth = 1;
  for (p = start; p < src.length && depth > 0; p++) {
    if (src[p] === '{') depth++;
    else if (src[p] === '}') depth--;
  }
  return src.slice(start, p - 1);
}

const files = fs.readdirSync(iosDir).filter((f) => /\.(h|m|mm)$/.test(f)).sort();
const sources = new Map(files.map((f) => [f, fs.readFileSync(path.join(iosDir, f), 'utf8')]));

for (const [f, text] of sources) {
  const src = code(text, false);
  const rel = `ios/${f}`;
  for (const m of src.matchAll(/\bsharedApplication\b/g)) {
    problems.push(`${rel}:${lineOf(src, m.index)}: extension-safe: sharedApplication is unavailable in app extensions; use RCTSharedApplication() and skip when it is nil`);
  }
  const blocks = mainQueueBlocks(src);
  for (const m of src.matchAll(/\bUIDevice\b|\bapplicationState\b/g)) {
    if (!blocks.some(([a, b]) => m.index >= a && m.index < b)) {
      problems.push(`${rel}:${lineOf(src, m.index)}: main-thread: ${m[0]} outside an RCTUnsafeExecuteOnMainQueueSync block (UIKit is main-thread only)`);
    }
  }
  const withStrings = code(text, true);
  for (const m of withStrings.matchAll(/@"(?:[^"\\\n]|\\.)*%s(?:[^"\\\n]|\\.)*"/g)) {
    problems.push(`${rel}:${lineOf(withStrings, m.index)}: utf8-format: %s in a format string decodes C strings wrongly; use @(cString)`);
  }
}

const moduleFile = sources.get('OtelSessions.mm') || '';
const moduleSrc = code(moduleFile, false);
const setup = methodBody(moduleSrc, /\+\s*\(BOOL\)\s*requiresMainQueueSetup\b/);
if (setup === null || !/^\s*return\s+YES\s*;\s*$/.test(setup)) {
  problems.push('ios/OtelSessions.mm: main-setup: +requiresMainQueueSetup must return YES (the app state at launch is reported while the module is created on the main thread)');
}
const init = methodBody(moduleSrc, /-\s*\(instancetype\)\s*init\b/);
if (init === null || !/\[\s*OTSHttpTransport\s+install\s*\]/.test(init)) {
  problems.push('ios/OtelSessions.mm: transport: -init must call [OTSHttpTransport install] (before JavaScript can call Sessions.init)');
}
if (!/\[\s*OTSAppLifecycle\s+observe\s*\]/.test(init || '')) {
  problems.push('ios/OtelSessions.mm: main-setup: -init must call [OTSAppLifecycle observe]');
}
const transport = code(sources.get('OTSHttpTransport.mm') || '', false);
if (!/\bots_set_transport\s*\(/.test(methodBody(transport, /\+\s*\(nullable NSString \*\)\s*install\b/) || '')) {
  problems.push('ios/OTSHttpTransport.mm: transport: +install must call ots_set_transport');
}

const pkg = JSON.parse(fs.readFileSync(path.join(glue, 'package.json'), 'utf8'));
const provider = ((pkg.codegenConfig || {}).ios || {}).modulesProvider || {};
const exported = grabAll(moduleSrc, /RCT_EXPORT_MODULE\((\w+)\)/g);
const classes = grabAll(code(sources.get('OtelSessions.h') || '', false), /@interface\s+(\w+)\s*:/g);
for (const name of exported) {
  if (!provider[name]) problems.push(`package.json: provider: codegenConfig.ios.modulesProvider has no entry for the module ${name}`);
  else if (!classes.includes(provider[name])) problems.push(`package.json: provider: modulesProvider maps ${name} to ${provider[name]}, which ios/OtelSessions.h does not declare`);
}
function grabAll(text, re) {
  return [...text.matchAll(re)].map((m) => m[1]);
}

for (const p of problems) console.log(p);
console.log(problems.length ? `${problems.length} problem(s) in the iOS glue` : `iOS glue: ${files.length} files follow the rules (extension-safe, main-thread, main-setup, utf8-format, transport, provider)`);
process.exit(problems.length ? 1 : 0);
