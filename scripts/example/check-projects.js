#!/usr/bin/env node
// Checks that the example app's native projects hold everything `npx react-native run-android`
// and `run-ios` need, under one consistent set of names: app.json's name and displayName, the
// Gradle project, the Android namespace/applicationId and Kotlin package, the manifest, the
// Gradle wrapper, the Xcode project (target, product, Info.plist path, bundle id, scheme), the
// Podfile target, Info.plist and the scene delegate's module name.
//
//   node scripts/example/check-projects.js [--example DIR] [--node-modules DIR]
//
// --example: the app folder (default example/); --node-modules: where its react-native and
// @react-native/gradle-plugin are installed (default DIR/node_modules). Prints one line per
// problem; exits 1 if there is any.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const app = path.resolve(opt('--example', path.join(__dirname, '..', '..', 'example')));
const nodeModules = path.resolve(opt('--node-modules', path.join(app, 'node_modules')));

const problems = [];
const problem = (file, text) => problems.push(`example/${file}: ${text}`);
const file = (rel) => path.join(app, rel);
const exists = (rel) => fs.existsSync(file(rel));
function read(rel) {
  try {
    return fs.readFileSync(file(rel), 'utf8');
  } catch {
    problem(rel, 'missing');
    return '';
  }
}
/** The first capture group of re in text, or null. */
const grab = (text, re) => (text.match(re) || [])[1] ?? null;
function expectEqual(rel, what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) problem(rel, `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

// ---- A small XML property-list reader (dict, array, string, true, false, integer) -----------
function parsePlist(text) {
  const tokens = [...text.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)(\w+)(?:\s[^>]*?)?(\/?)>([^<]*)/g)];
  let i = tokens.findIndex((t) => t[2] === 'plist') + 1;
  function value() {
    const [, close, tag, selfClosing, body] = tokens[i++];
    if (close) throw new Error(`unexpected </${tag}>`);
    if (selfClosing) {
      if (tag === 'true' || tag === 'false') return tag === 'true';
      return tag === 'dict' ? {} : tag === 'array' ? [] : '';
    }
    if (tag === 'string' || tag === 'key' || tag === 'integer' || tag === 'real') {
      i++; // the closing tag
      return tag === 'integer' || tag === 'real' ? Number(body) : body.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
    if (tag === 'array') {
      const out = [];
      while (!(tokens[i][1] && tokens[i][2] === 'array')) out.push(value());
      i++;
      return out;
    }
    if (tag === 'dict') {
      const out = {};
      while (!(tokens[i][1] && tokens[i][2] === 'dict')) {
        if (tokens[i][2] !== 'key') throw new Error(`expected <key>, got <${tokens[i][2]}>`);
        const key = value();
        out[key] = value();
      }
      i++;
      return out;
    }
    throw new Error(`unsupported <${tag}>`);
  }
  return value();
}

// ---- A zip's file names (central directory), to check the wrapper jar ----------------------
function zipEntries(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return null;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count && buf.readUInt32LE(p) === 0x02014b50; n++) {
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

// ---- app.json and index.js -------------------------------------------------------------------
let appJson = {};
try {
  appJson = JSON.parse(read('app.json') || '{}');
} catch (e) {
  problem('app.json', `not JSON: ${e.message}`);
}
const name = appJson.name;
const title = appJson.displayName;
if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) problem('app.json', `"name" must be an identifier (it names the Xcode target and the JS component), got ${JSON.stringify(name)}`);
if (!title) problem('app.json', '"displayName" is missing');
const indexJs = read('index.js');
if (!/import\s*\{\s*name as appName\s*\}\s*from\s*'\.\/app\.json'/.test(indexJs) || !/registerComponent\(\s*appName\s*,/.test(indexJs)) {
  problem('index.js', "must register the component under app.json's name (AppRegistry.registerComponent(appName, ...))");
}

// ---- Android -------------------------------------------------------------------------------
const settings = read('android/settings.gradle');
expectEqual('android/settings.gradle', 'rootProject.name', grab(settings, /rootProject\.name\s*=\s*['"]([^'"]+)['"]/), name);
if (!/include\s*\(?\s*['"]:app['"]/.test(settings)) problem('android/settings.gradle', "does not include ':app'");
if (!/autolinkLibrariesFromCommand\(\)/.test(settings)) problem('android/settings.gradle', 'autolinking (autolinkLibrariesFromCommand) is missing');
const pluginBuild = grab(settings, /includeBuild\(\s*['"]([^'"]+)['"]\s*\)\s*$/m);
if (!pluginBuild || path.resolve(app, 'android', pluginBuild) !== path.join(app, 'node_modules/@react-native/gradle-plugin')) {
  problem('android/settings.gradle', `includeBuild must point at ../node_modules/@react-native/gradle-plugin, got ${JSON.stringify(pluginBuild)}`);
}

const appGradle = read('android/app/build.gradle');
const namespace = grab(appGradle, /^\s*namespace\s+['"]([^'"]+)['"]/m);
const applicationId = grab(appGradle, /^\s*applicationId\s+['"]([^'"]+)['"]/m);
if (!namespace) problem('android/app/build.gradle', 'no namespace');
expectEqual('android/app/build.gradle', 'applicationId', applicationId, namespace);
for (const plugin of ['com.android.application', 'org.jetbrains.kotlin.android', 'com.facebook.react']) {
  if (!appGradle.includes(`apply plugin: "${plugin}"`)) problem('android/app/build.gradle', `plugin ${plugin} is not applied`);
}
if (!/autolinkLibrariesWithApp\(\)/.test(appGradle)) problem('android/app/build.gradle', 'autolinkLibrariesWithApp() is missing');
const keystore = grab(appGradle, /storeFile file\(['"]([^'"]+)['"]\)/);
if (keystore && !exists(`android/app/${keystore}`)) problem('android/app/build.gradle', `signing keystore android/app/${keystore} is missing`);

const gradleProps = read('android/gradle.properties');
if (!/^newArchEnabled=true$/m.test(gradleProps)) problem('android/gradle.properties', 'newArchEnabled=true is required (the library is a New Architecture module)');

// Kotlin sources in the namespace's folder, declaring its package.
const javaDir = `android/app/src/main/java/${(namespace || '').replace(/\./g, '/')}`;
const activity = read(`${javaDir}/MainActivity.kt`);
const application = read(`${javaDir}/MainApplication.kt`);
for (const [rel, text] of [[`${javaDir}/MainActivity.kt`, activity], [`${javaDir}/MainApplication.kt`, application]]) {
  if (text && grab(text, /^package\s+([\w.]+)/m) !== namespace) problem(rel, `package must be the namespace ${namespace}`);
}
expectEqual(`${javaDir}/MainActivity.kt`, 'getMainComponentName()', grab(activity, /getMainComponentName\(\)\s*:\s*String\s*=\s*"([^"]+)"/), name);
if (application && !/PackageList\(this\)\.packages/.test(application)) problem(`${javaDir}/MainApplication.kt`, 'does not use the autolinked PackageList');

const manifestRel = 'android/app/src/main/AndroidManifest.xml';
const manifest = read(manifestRel);
const appTag = grab(manifest, /<application\b([^>]*)>/) || '';
const attr = (tag, key) => grab(tag, new RegExp(`android:${key}="([^"]*)"`));
expectEqual(manifestRel, 'application android:name', attr(appTag, 'name'), '.MainApplication');
if (!/<activity\b[^>]*android:name="\.MainActivity"/.test(manifest)) problem(manifestRel, 'no .MainActivity activity');
if (!/<action android:name="android\.intent\.action\.MAIN"\s*\/>/.test(manifest) || !/android\.intent\.category\.LAUNCHER/.test(manifest)) {
  problem(manifestRel, 'no launcher intent filter (run-android starts the MAIN/LAUNCHER activity)');
}
if (!/android\.permission\.INTERNET/.test(manifest)) problem(manifestRel, 'no INTERNET permission (Metro, the collector)');
// ReactActivity is an AppCompatActivity: a non-AppCompat theme crashes at launch (issue 19, item 2).
const theme = attr(appTag, 'theme');
const styles = read('android/app/src/main/res/values/styles.xml');
const styleName = grab(theme || '', /^@style\/([\w.]+)$/);
const parent = styleName && grab(styles, new RegExp(`<style name="${styleName.replace(/\./g, '\\.')}" parent="([^"]+)"`));
if (!parent || !/^Theme\.AppCompat\./.test(parent)) {
  problem(manifestRel, `the application theme ${JSON.stringify(theme)} must be an app style whose parent is a Theme.AppCompat theme (the template's AppTheme, parent Theme.AppCompat.DayNight.NoActionBar): ReactActivity is an AppCompatActivity and crashes at launch otherwise`);
}
// Debug builds reach Metro over http:// (issue 19, item 3): the React Native Gradle plugin sets
// the placeholder to true for debug and false for release.
expectEqual(manifestRel, 'android:usesCleartextTraffic', attr(appTag, 'usesCleartextTraffic'), '${usesCleartextTraffic}');
const strings = read('android/app/src/main/res/values/strings.xml');
if (attr(appTag, 'label') === '@string/app_name') {
  expectEqual('android/app/src/main/res/values/strings.xml', 'app_name', grab(strings, /<string name="app_name">([^<]*)<\/string>/), title);
} else {
  problem(manifestRel, 'android:label must be @string/app_name');
}
for (const key of ['icon', 'roundIcon']) {
  const icon = grab(attr(appTag, key) || '', /^@mipmap\/(\w+)$/);
  if (!icon || !exists(`android/app/src/main/res/mipmap-mdpi/${icon}.png`)) problem(manifestRel, `android:${key} does not name a mipmap in res/`);
}

// The Gradle wrapper, as React Native's own Gradle plugin (the pinned version) ships it.
const wrapperRel = 'android/gradle/wrapper/gradle-wrapper.jar';
if (!exists('android/gradlew') || (fs.statSync(file('android/gradlew')).mode & 0o111) === 0) problem('android/gradlew', 'missing or not executable');
if (!exists('android/gradlew.bat')) problem('android/gradlew.bat', 'missing');
if (!exists(wrapperRel)) {
  problem(wrapperRel, 'missing (gradlew cannot start without it)');
} else {
  const jar = fs.readFileSync(file(wrapperRel));
  const entries = zipEntries(jar);
  if (!entries || !entries.includes('org/gradle/wrapper/GradleWrapperMain.class')) problem(wrapperRel, 'not a Gradle wrapper jar (no org/gradle/wrapper/GradleWrapperMain.class)');
  const rnJar = path.join(nodeModules, '@react-native/gradle-plugin/gradle/wrapper/gradle-wrapper.jar');
  if (fs.existsSync(rnJar) && !fs.readFileSync(rnJar).equals(jar)) problem(wrapperRel, "differs from the pinned React Native Gradle plugin's wrapper jar");
}
const wrapperProps = read('android/gradle/wrapper/gradle-wrapper.properties');
const distribution = grab(wrapperProps, /^distributionUrl=(.*)$/m);
if (!distribution || !/^https\\:\/\/services\.gradle\.org\/distributions\/gradle-[\d.]+-(bin|all)\.zip$/.test(distribution)) {
  problem('android/gradle/wrapper/gradle-wrapper.properties', `distributionUrl ${JSON.stringify(distribution)} is not a Gradle distribution`);
}
const rnProps = path.join(nodeModules, '@react-native/gradle-plugin/gradle/wrapper/gradle-wrapper.properties');
if (fs.existsSync(rnProps)) {
  expectEqual('android/gradle/wrapper/gradle-wrapper.properties', 'distributionUrl', distribution,
    grab(fs.readFileSync(rnProps, 'utf8'), /^distributionUrl=(.*)$/m));
}

// ---- iOS -------------------------------------------------------------------------------------
const podfile = read('ios/Podfile');
const podTargets = [...podfile.matchAll(/^\s*target\s+'([^']+)'\s+do/gm)].map((m) => m[1]);
expectEqual('ios/Podfile', 'targets', podTargets, [name]);
if (!/use_native_modules!/.test(podfile)) problem('ios/Podfile', 'use_native_modules! (autolinking) is missing');
if (!exists('ios/.xcode.env')) problem('ios/.xcode.env', 'missing (the React Native build phases source it for NODE_BINARY)');

const projRel = `ios/${name}.xcodeproj/project.pbxproj`;
const pbx = read(projRel);
const nativeTargets = [...pbx.matchAll(/isa = PBXNativeTarget;[\s\S]*?\n\t\t};/g)].map((m) => m[0]);
if (nativeTargets.length !== 1) problem(projRel, `expected one native target, found ${nativeTargets.length}`);
const target = nativeTargets[0] || '';
expectEqual(projRel, 'the target name', grab(target, /\n\t\t\tname = ([^;]+);/), name);
expectEqual(projRel, 'the target productName', grab(target, /productName = ([^;]+);/), name);
if (!new RegExp(`productReference = \\w+ /\\* ${name}\\.app \\*/;`).test(target)) problem(projRel, `the target's product is not ${name}.app`);
const configs = [...pbx.matchAll(/isa = XCBuildConfiguration;[\s\S]*?\n\t\t\tname = (\w+);/g)].map((m) => m[0])
  .filter((c) => /INFOPLIST_FILE/.test(c));
if (configs.length < 2) problem(projRel, `expected Debug and Release configurations of the target, found ${configs.length}`);
const bundleIds = new Set();
for (const c of configs) {
  const config = grab(c, /\n\t\t\tname = (\w+);/);
  const plistPath = grab(c, /INFOPLIST_FILE = "?([^";]+)"?;/);
  expectEqual(projRel, `${config} INFOPLIST_FILE`, plistPath, `${name}/Info.plist`);
  expectEqual(projRel, `${config} PRODUCT_NAME`, grab(c, /PRODUCT_NAME = "?([^";]+)"?;/), name);
  bundleIds.add(grab(c, /PRODUCT_BUNDLE_IDENTIFIER = "?([^";]+)"?;/));
  if (!new RegExp(`Pods-${name}\\.${config.toLowerCase()}\\.xcconfig`).test(c)) {
    problem(projRel, `${config} is not based on the Podfile target's Pods-${name}.${config.toLowerCase()}.xcconfig`);
  }
}
// One app id on both platforms: the iOS bundle id is Android's applicationId.
expectEqual(projRel, 'PRODUCT_BUNDLE_IDENTIFIER', [...bundleIds].join(' '), applicationId);
if (!pbx.includes(`libPods-${name}.a`)) problem(projRel, `does not link libPods-${name}.a (the Podfile target's library)`);
// Every file the project references in the app's folder is there.
for (const m of pbx.matchAll(/isa = PBXFileReference;[^}]*?path = "?([^";]+)"?; sourceTree = "<group>";/g)) {
  if (m[1].startsWith(`${name}/`) && !exists(`ios/${m[1]}`)) problem(projRel, `references ios/${m[1]}, which is missing`);
}
const schemeRel = `ios/${name}.xcodeproj/xcshareddata/xcschemes/${name}.xcscheme`;
const scheme = read(schemeRel);
if (scheme) {
  // `run-ios` builds and launches the app product of the scheme named after the project.
  const appRefs = [...scheme.matchAll(/<BuildableReference([^>]*)>/g)].map((m) => m[1]).filter((r) => /BuildableName = "[^"]*\.app"/.test(r));
  if (!/<LaunchAction[\s\S]*?<BuildableReference[^>]*BuildableName = "[^"]*\.app"[\s\S]*?<\/LaunchAction>/.test(scheme)) problem(schemeRel, 'the launch action runs no app');
  for (const ref of appRefs) {
    for (const [key, value] of [['BuildableName', `${name}.app`], ['BlueprintName', name], ['ReferencedContainer', `container:${name}.xcodeproj`]]) {
      expectEqual(schemeRel, key, grab(ref, new RegExp(`${key} = "([^"]*)"`)), value);
    }
  }
}
const deployment = new Set([...pbx.matchAll(/IPHONEOS_DEPLOYMENT_TARGET = ([\d.]+);/g)].map((m) => m[1]));
const helpers = path.join(nodeModules, 'react-native/scripts/cocoapods/helpers.rb');
const minIos = fs.existsSync(helpers) ? grab(fs.readFileSync(helpers, 'utf8'), /def self\.min_ios_version_supported\s+return '([\d.]+)'/) : null;
for (const v of deployment) {
  if (minIos && Number(v) < Number(minIos)) problem(projRel, `IPHONEOS_DEPLOYMENT_TARGET ${v} is below React Native's minimum ${minIos}`);
}

const plistRel = `ios/${name}/Info.plist`;
let plist = {};
try {
  plist = parsePlist(read(plistRel));
} catch (e) {
  problem(plistRel, `cannot be read: ${e.message}`);
}
expectEqual(plistRel, 'CFBundleDisplayName', plist.CFBundleDisplayName, title);
expectEqual(plistRel, 'CFBundleIdentifier', plist.CFBundleIdentifier, '$(PRODUCT_BUNDLE_IDENTIFIER)');
if (!plist.UILaunchStoryboardName || !exists(`ios/${name}/${plist.UILaunchStoryboardName}.storyboard`)) {
  problem(plistRel, `UILaunchStoryboardName ${JSON.stringify(plist.UILaunchStoryboardName)} has no storyboard in ios/${name}/`);
}
// Debug builds load the bundle from Metro and export to a collector on the Mac over http://.
const ats = plist.NSAppTransportSecurity || {};
if (ats.NSAllowsLocalNetworking !== true) problem(plistRel, 'NSAppTransportSecurity.NSAllowsLocalNetworking must be true (Metro and a local collector over http://)');
if (ats.NSAllowsArbitraryLoads === true) problem(plistRel, 'NSAllowsArbitraryLoads must not be true');
if (plist.RCTNewArchEnabled !== true) problem(plistRel, 'RCTNewArchEnabled must be true (the library is a New Architecture module)');
const sceneConfigs = ((plist.UIApplicationSceneManifest || {}).UISceneConfigurations || {}).UIWindowSceneSessionRoleApplication || [];
const sceneClass = (sceneConfigs[0] || {}).UISceneDelegateClassName;
const sceneSwift = read(`ios/${name}/SceneDelegate.swift`);
if (sceneClass !== '$(PRODUCT_MODULE_NAME).SceneDelegate' || !/\bclass SceneDelegate\b/.test(sceneSwift)) {
  problem(plistRel, `the scene delegate class ${JSON.stringify(sceneClass)} must be $(PRODUCT_MODULE_NAME).SceneDelegate, defined in SceneDelegate.swift`);
}
expectEqual(`ios/${name}/SceneDelegate.swift`, 'the module name it starts', grab(sceneSwift, /withModuleName:\s*"([^"]+)"/), name);

for (const p of problems) console.log(p);
console.log(problems.length ? `${problems.length} problem(s) in the example's native projects` : `native projects consistent for ${name} (${applicationId})`);
process.exit(problems.length ? 1 : 0);
