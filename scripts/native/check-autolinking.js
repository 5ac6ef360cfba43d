#!/usr/bin/env node
// Autolinking check: `react-native config` output (JSON on stdin), run in the example app,
// resolves this package for both platforms with the paths and class the glue really has.
//
//   (cd example && npx react-native config) | node scripts/native/check-autolinking.js
'use strict';
const fs = require('fs');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const config = JSON.parse(fs.readFileSync(0, 'utf8'));
const problems = [];
const expect = (ok, what) => ok || problems.push(what);

const dep = (config.dependencies || {})[pkg.name];
if (!dep) {
  console.log(`autolinking: ${pkg.name} is not among the example's dependencies`);
  process.exit(1);
}
const root = dep.root;
expect(fs.realpathSync(root) === fs.realpathSync(repo), `root ${root} is not this repository`);
const ios = dep.platforms && dep.platforms.ios;
const android = dep.platforms && dep.platforms.android;

expect(ios, 'no iOS platform entry');
if (ios) {
  const podspec = path.join(root, `${pkg.name}.podspec`);
  expect(ios.podspecPath === podspec, `ios.podspecPath is ${ios.podspecPath}, expected ${podspec}`);
  expect(fs.existsSync(ios.podspecPath || ''), `podspec ${ios.podspecPath} does not exist`);
}
expect(android, 'no Android platform entry');
if (android) {
  const sourceDir = path.join(root, 'android');
  expect(android.sourceDir === sourceDir, `android.sourceDir is ${android.sourceDir}, expected ${sourceDir}`);
  expect(fs.existsSync(path.join(sourceDir, 'build.gradle')), 'android/build.gradle does not exist');
  const m = /^import ([\w.]+)\.(\w+);$/.exec(android.packageImportPath || '');
  expect(m, `android.packageImportPath '${android.packageImportPath}' is not 'import <package>.<Class>;'`);
  if (m) {
    const [, javaPackage, cls] = m;
    const file = path.join(sourceDir, 'src/main/java', ...javaPackage.split('.'), `${cls}.kt`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    expect(text.includes(`package ${javaPackage}`) && new RegExp(`class ${cls}\\b`).test(text),
      `${path.relative(root, file)} does not declare ${javaPackage}.${cls}`);
    expect(android.packageInstance === `new ${cls}()`, `android.packageInstance is '${android.packageInstance}'`);
  }
  expect(android.libraryName === pkg.codegenConfig.name, `android.libraryName is ${android.libraryName}, expected ${pkg.codegenConfig.name}`);
  expect(android.cmakeListsPath === path.join(sourceDir, 'build/generated/source/codegen/jni/CMakeLists.txt'),
    `android.cmakeListsPath is ${android.cmakeListsPath}`);
}
for (const p of problems) console.log(`autolinking: ${p}`);
process.exit(problems.length ? 1 : 0);
