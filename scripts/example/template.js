#!/usr/bin/env node
// The example app's native projects (example/android, example/ios) as React Native's own app
// template generates them: @react-native-community/template at TEMPLATE_VERSION, renamed by the
// React Native CLI's own init code (changePlaceholderInTemplate, from the example's
// @react-native-community/cli), exactly as `npx @react-native-community/cli init
// OtelSessionsExample --title "OtelSessions Example"` does, then the iOS bundle id set as the
// CLI's `--package-name com.otelsessionsexample` sets it.
//
//   node scripts/example/template.js --check   compare example/ with a fresh generation (npm test)
//   node scripts/example/template.js --write   copy the generated files into example/ (upgrades)
//
// Files the app owns (its JS/TS, package.json, its MainActivity/MainApplication) are never
// written and only checked to exist. The template tarball is fetched once with `npm pack` and
// cached under target/example-template/. Progress goes to stderr; problems to stdout; exit 1 on
// any difference.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const repo = path.resolve(__dirname, '..', '..');
const example = path.join(repo, 'example');
const cache = path.join(repo, 'target', 'example-template');

/**
 * The template release the example is generated from. React Native 0.88.1 (the pinned version)
 * has no template of its own on npm: the CLI's init fails for it ("Unable to find a template for
 * react-native version '0.88.1'"), and the newest 0.88 release is this one, made for 0.88.0-rc.2.
 * It already has what 0.88 changed in apps (the SceneDelegate); update it when a 0.88.x template
 * is published (`--write`, then review the diff).
 */
const TEMPLATE_VERSION = '0.88.0-rc.2-c821f5d';
const TEMPLATE_PACKAGE = '@react-native-community/template';

/** The app's names: app.json's name and displayName, Android's applicationId and iOS's bundle id. */
const APP = { name: 'OtelSessionsExample', title: 'OtelSessions Example', id: 'com.otelsessionsexample' };

/** Generated paths (relative to the app) that the app owns: they must exist but may differ. */
const APP_OWNED = [
  `android/app/src/main/java/${APP.id.replace(/\./g, '/')}/MainActivity.kt`,
  `android/app/src/main/java/${APP.id.replace(/\./g, '/')}/MainApplication.kt`,
];
/** Generated top-level files that belong to the app's JavaScript side and are not taken. */
const NOT_TAKEN = new Set([
  'App.tsx', '__tests__', 'README.md', 'app.json', 'babel.config.js', 'index.js', 'jest.config.js',
  'metro.config.js', 'package.json', 'tsconfig.json', '.eslintrc.js', '.prettierrc.js', '.watchmanconfig',
]);

const log = (...a) => console.error(...a);

function walkFiles(dir, base = dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, base, out);
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/** The template package, unpacked once under target/ (npm pack: the registry's own client). */
function templateDir() {
  const dir = path.join(cache, TEMPLATE_VERSION);
  if (fs.existsSync(path.join(dir, 'template.config.js'))) return dir;
  log(`fetching ${TEMPLATE_PACKAGE}@${TEMPLATE_VERSION} (npm pack)`);
  fs.mkdirSync(cache, { recursive: true });
  const out = execFileSync('npm', ['pack', '--silent', `${TEMPLATE_PACKAGE}@${TEMPLATE_VERSION}`], {
    cwd: cache, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tgz = path.join(cache, out.trim().split('\n').pop());
  const tmp = `${dir}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=1']);
  fs.rmSync(tgz);
  fs.renameSync(tmp, dir);
  return dir;
}

/** Copies the template into a fresh folder and renames it as the CLI's init does; returns it. */
async function generate() {
  const tpl = templateDir();
  const config = require(path.join(tpl, 'template.config.js'));
  const cliInit = path.join(example, 'node_modules/@react-native-community/cli/build/commands/init/editTemplate.js');
  if (!fs.existsSync(cliInit)) {
    throw new Error(`template.js: ${path.relative(repo, cliInit)} is missing: install the example's dependencies first (scripts/example/ensure-example-deps.sh)`);
  }
  const { changePlaceholderInTemplate } = require(cliInit);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ots-example-template-'));
  fs.cpSync(path.join(tpl, config.templateDir), out, { recursive: true });
  const cwd = process.cwd();
  process.chdir(out);
  try {
    await changePlaceholderInTemplate({
      projectName: APP.name,
      projectTitle: APP.title,
      placeholderName: config.placeholderName,
      placeholderTitle: config.titlePlaceholder,
    });
  } finally {
    process.chdir(cwd);
  }
  // What the CLI's --package-name does to iOS: one bundle id, the same as Android's applicationId.
  const pbxproj = path.join(out, `ios/${APP.name}.xcodeproj/project.pbxproj`);
  fs.writeFileSync(pbxproj, fs.readFileSync(pbxproj, 'utf8')
    .replace(/PRODUCT_BUNDLE_IDENTIFIER = "(.*)"/g, `PRODUCT_BUNDLE_IDENTIFIER = "${APP.id}"`));
  return out;
}

/** The generated files the example takes from the template (its native projects, Ruby setup). */
function takenFiles(generated) {
  return walkFiles(generated).filter((f) => !NOT_TAKEN.has(f.split('/')[0]) && !APP_OWNED.includes(f));
}

function isExecutable(f) {
  return (fs.statSync(f).mode & 0o111) !== 0;
}

async function main() {
  const mode = process.argv[2];
  if (mode !== '--check' && mode !== '--write') {
    console.error('usage: node scripts/example/template.js --check | --write');
    process.exit(2);
  }
  const generated = await generate();
  try {
    const files = takenFiles(generated);
    const problems = [];
    for (const f of files) {
      const from = path.join(generated, f);
      const to = path.join(example, f);
      if (mode === '--write') {
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(from, to);
        fs.chmodSync(to, fs.statSync(from).mode & 0o777);
        continue;
      }
      if (!fs.existsSync(to)) problems.push(`example/${f}: missing (the template has it)`);
      else if (!fs.readFileSync(from).equals(fs.readFileSync(to))) problems.push(`example/${f}: differs from the template's`);
      else if (isExecutable(from) && !isExecutable(to)) problems.push(`example/${f}: not executable (the template's is)`);
    }
    for (const f of APP_OWNED) {
      if (!fs.existsSync(path.join(example, f))) problems.push(`example/${f}: missing (the app's own, where the template puts it)`);
    }
    if (mode === '--write') {
      log(`wrote ${files.length} files from ${TEMPLATE_PACKAGE}@${TEMPLATE_VERSION} into example/`);
      return;
    }
    for (const p of problems) console.log(p);
    if (problems.length) {
      console.log(`${problems.length} difference(s) from ${TEMPLATE_PACKAGE}@${TEMPLATE_VERSION}; ` +
        'regenerate with `node scripts/example/template.js --write` and review the diff');
      process.exitCode = 1;
    } else {
      console.log(`${files.length} files as ${TEMPLATE_PACKAGE}@${TEMPLATE_VERSION} generates them for ${APP.name}`);
    }
  } finally {
    fs.rmSync(generated, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(1);
});
