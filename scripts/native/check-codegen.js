#!/usr/bin/env node
// Codegen check: the artifacts React Native's codegen generated from the spec (src-ts, per
// package.json's codegenConfig) have the names the glue builds on, and the glue uses them.
//
//   node scripts/native/check-codegen.js ANDROID_OUT IOS_OUT
//
// ANDROID_OUT / IOS_OUT: generate-specs-cli.js output for each platform. Exits 1 on a mismatch.
'use strict';
const fs = require('fs');
const path = require('path');

const [androidOut, iosOut] = process.argv.slice(2).map((d) => path.resolve(d));
const repo = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const { name: libraryName, android: { javaPackageName } = {} } = pkg.codegenConfig || {};
const problems = [];
const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null);

function expectIn(file, needles, label = path.relative(repo, file)) {
  const text = read(file);
  if (text === null) return problems.push(`${label}: not generated`);
  for (const n of needles) {
    const ok = n instanceof RegExp ? n.test(text) : text.includes(n);
    if (!ok) problems.push(`${label}: expected ${n}`);
  }
}

const specJava = path.join(androidOut, 'java', ...javaPackageName.split('.'), 'NativeOtelSessionsSpec.java');
expectIn(specJava, [`package ${javaPackageName};`, 'abstract class NativeOtelSessionsSpec', 'NAME = "OtelSessions"',
  'public abstract boolean install();'], 'android NativeOtelSessionsSpec.java');
expectIn(path.join(androidOut, 'jni', `${libraryName}.h`), ['class JSI_EXPORT NativeOtelSessionsSpecJSI'], `android jni/${libraryName}.h`);
expectIn(path.join(androidOut, 'jni', `${libraryName}-generated.cpp`), ['"install"'], `android jni/${libraryName}-generated.cpp`);
expectIn(path.join(androidOut, 'jni', 'CMakeLists.txt'), [`react_codegen_${libraryName}`], 'android jni/CMakeLists.txt');
expectIn(path.join(iosOut, libraryName, `${libraryName}.h`), ['@protocol NativeOtelSessionsSpec', '- (NSNumber *)install;',
  'class JSI_EXPORT NativeOtelSessionsSpecJSI'], `ios ${libraryName}/${libraryName}.h`);
expectIn(path.join(iosOut, libraryName, `${libraryName}-generated.mm`), ['NativeOtelSessionsSpecJSI::NativeOtelSessionsSpecJSI'],
  `ios ${libraryName}/${libraryName}-generated.mm`);

// The glue builds on exactly those names.
const kotlinDir = path.join(repo, 'android/src/main/java', ...javaPackageName.split('.'));
expectIn(path.join(kotlinDir, 'OtelSessionsModule.kt'), [`package ${javaPackageName}`, /:\s*NativeOtelSessionsSpec\(/,
  'override fun install(): Boolean', 'NativeOtelSessionsSpec.NAME']);
expectIn(path.join(repo, 'ios/OtelSessions.h'), [`#import <${libraryName}/${libraryName}.h>`, /<NativeOtelSessionsSpec\b/]);
expectIn(path.join(repo, 'ios/OtelSessions.mm'), ['RCT_EXPORT_MODULE(OtelSessions)', '- (NSNumber *)install',
  'std::make_shared<facebook::react::NativeOtelSessionsSpecJSI>(params)']);
expectIn(path.join(repo, 'src-ts/NativeOtelSessions.ts'), ["TurboModuleRegistry.get<Spec>('OtelSessions')"]);

for (const p of problems) console.log(`codegen: ${p}`);
process.exit(problems.length ? 1 : 0);
