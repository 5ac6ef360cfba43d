#!/usr/bin/env node
// Checks an assembled OtelSessionsRust.xcframework against the format xcodebuild writes and
// Xcode, CocoaPods and SwiftPM read (see xcframework.js), with what the binaries really hold read
// back from their Mach-O headers, not from the Info.plist:
//   - Info.plist parses as a property list (Python's plistlib, an independent reader):
//     CFBundlePackageType XFWK, XCFrameworkFormatVersion 1.0, a non-empty AvailableLibraries;
//   - each library: LibraryIdentifier unique, a folder of the xcframework, and named as xcodebuild
//     names it from the platform, the architectures and the variant; LibraryPath (and
//     BinaryPath) a `lib*.a` file inside that folder (CocoaPods links static libraries by name);
//     SupportedPlatform ios, SupportedPlatformVariant absent or `simulator`;
//   - SupportedArchitectures are exactly the architectures of the file (llvm-lipo);
//   - every object of every architecture was built for the library's platform (LC_BUILD_VERSION:
//     IOS for the device, IOSSIMULATOR for the simulator) with the package's minimum iOS
//     version as its `minos`;
//   - every architecture's archive has a table of contents (ld64 resolves through it) listing
//     each function of otel_sessions.h;
//   - the libraries are one device library (arm64) and one simulator library (arm64, x86_64),
//     and the folder holds nothing else.
//
//   node scripts/prebuilt/check-xcframework.js XCFRAMEWORK [--self-test]
//
// --self-test first damages copies of XCFRAMEWORK (an architecture the binary lacks, device
// objects in the simulator library, a missing library, a wrong identifier, an archive without a
// table of contents) and fails unless each is reported. Prints one summary line; problems on
// stderr; exits 1 on any.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { LLVM_BIN, headerFunctions, run } = require('../device/symbols');
const { libraryIdentifier, readPlist, readXcframework } = require('./xcframework');

const IOS_DEPLOYMENT_TARGET = '15.1'; // scripts/build-ios's IPHONEOS_DEPLOYMENT_TARGET default
/** What the package ships: the platform/variant/architectures of each library. */
const EXPECTED = [
  { platform: 'ios', variant: null, archs: ['arm64'] },
  { platform: 'ios', variant: 'simulator', archs: ['arm64', 'x86_64'] },
];
// LC_BUILD_VERSION's platform as llvm-objdump names it (PLATFORM_IOS, PLATFORM_IOSSIMULATOR).
const MACHO_PLATFORM = { ios: 'ios', 'ios/simulator': 'iossimulator' };

/** The architectures of a (possibly fat) Mach-O file. */
const archsOf = (file) => run('llvm-lipo', ['-archs', file]).trim().split(/\s+/).filter(Boolean).sort();

/** One architecture of a fat file as a thin archive in `dir` (the file itself when thin). */
function thin(file, arch, archs, dir) {
  if (archs.length === 1) return file;
  const out = path.join(dir, `${path.basename(file)}.${arch}`);
  run('llvm-lipo', [file, '-thin', arch, '-output', out]);
  return out;
}

/** Each object member of a thin archive: { member, platform, minos } from LC_BUILD_VERSION. */
function buildVersions(archive) {
  const members = [];
  let current = null;
  for (const line of run('llvm-objdump', ['--macho', '--private-headers', archive]).split('\n')) {
    const head = /^.*\(([^()]+)\):$/.exec(line);
    if (head) {
      current = { member: head[1], platform: null, minos: null };
      members.push(current);
      continue;
    }
    if (!current) continue;
    let m = /^\s*platform\s+(\S+)/.exec(line);
    if (m && !current.platform) current.platform = m[1];
    m = /^\s*minos\s+([\d.]+)/.exec(line);
    if (m && !current.minos) current.minos = m[1];
  }
  return members;
}

/** The symbols a thin archive's table of contents names (Mach-O's leading `_` removed). */
function tableOfContents(archive) {
  const out = run('llvm-nm', ['--print-armap', '--no-llvm-bc', archive]);
  const map = /Archive map\n([\s\S]*?)\n\n/.exec(`${out}\n\n`);
  if (!map) return null;
  return new Set(map[1].split('\n').map((l) => l.split(' in ')[0].trim().replace(/^_/, '')).filter(Boolean));
}

/** All problems of the xcframework at `dir` (an empty list when it is sound). */
function problemsOf(dir) {
  const problems = [];
  let info;
  try {
    info = readPlist(path.join(dir, 'Info.plist'));
  } catch (e) {
    return [`Info.plist does not parse as a property list: ${(e.stderr || e.message).toString().trim().split('\n').pop()}`];
  }
  if (info.CFBundlePackageType !== 'XFWK') problems.push(`CFBundlePackageType ${JSON.stringify(info.CFBundlePackageType)}, expected "XFWK"`);
  if (info.XCFrameworkFormatVersion !== '1.0') problems.push(`XCFrameworkFormatVersion ${JSON.stringify(info.XCFrameworkFormatVersion)}, expected "1.0"`);
  const libs = info.AvailableLibraries;
  if (!Array.isArray(libs) || libs.length === 0) return [...problems, 'AvailableLibraries is missing or empty'];

  const abi = headerFunctions();
  const ids = new Set();
  const found = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ots-xcf-'));
  try {
    for (const lib of libs) {
      const id = lib.LibraryIdentifier;
      const where = `library ${JSON.stringify(id)}`;
      if (typeof id !== 'string' || !id) { problems.push('a library without LibraryIdentifier'); continue; }
      if (ids.has(id)) problems.push(`${where}: LibraryIdentifier used twice`);
      ids.add(id);
      if (lib.SupportedPlatform !== 'ios') problems.push(`${where}: SupportedPlatform ${JSON.stringify(lib.SupportedPlatform)}, expected "ios"`);
      const variant = lib.SupportedPlatformVariant ?? null;
      if (variant !== null && variant !== 'simulator') problems.push(`${where}: SupportedPlatformVariant ${JSON.stringify(variant)}, expected none or "simulator"`);
      const declared = Array.isArray(lib.SupportedArchitectures) ? [...lib.SupportedArchitectures].sort() : [];
      if (declared.length === 0) problems.push(`${where}: SupportedArchitectures missing or empty`);
      const lp = lib.LibraryPath;
      if (typeof lp !== 'string' || !/^lib[^/]+\.a$/.test(lp)) {
        problems.push(`${where}: LibraryPath ${JSON.stringify(lp)} is not a static library named lib*.a in the library's folder`);
        continue;
      }
      if (lib.BinaryPath !== undefined && lib.BinaryPath !== lp) problems.push(`${where}: BinaryPath ${JSON.stringify(lib.BinaryPath)} differs from LibraryPath ${lp} (a static library is its own binary)`);
      const file = path.join(dir, id, lp);
      if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) { problems.push(`${where}: ${id}/${lp} is missing`); continue; }

      let archs;
      try {
        archs = archsOf(file);
      } catch (e) {
        problems.push(`${where}: ${id}/${lp} is not a Mach-O archive llvm-lipo reads: ${String(e.stderr || e.message).trim()}`);
        continue;
      }
      if (archs.join(',') !== declared.join(',')) problems.push(`${where}: SupportedArchitectures [${declared}] but the binary holds [${archs}]`);
      const expectedId = libraryIdentifier({ platform: lib.SupportedPlatform, archs, variant });
      if (id !== expectedId) problems.push(`${where}: identifier should be ${expectedId} (platform, architectures of the binary, variant)`);
      const wantPlatform = MACHO_PLATFORM[variant ? `${lib.SupportedPlatform}/${variant}` : lib.SupportedPlatform];
      for (const arch of archs) {
        const archive = thin(file, arch, archs, scratch);
        const members = buildVersions(archive);
        if (members.length === 0) problems.push(`${where} ${arch}: no object files read`);
        const wrong = members.filter((m) => m.platform !== wantPlatform || m.minos !== IOS_DEPLOYMENT_TARGET);
        for (const m of wrong.slice(0, 5)) {
          problems.push(`${where} ${arch}: ${m.member} is built for ${m.platform ?? 'no platform'} ${m.minos ?? ''}, expected ${wantPlatform} ${IOS_DEPLOYMENT_TARGET}`);
        }
        const toc = tableOfContents(archive);
        if (!toc) problems.push(`${where} ${arch}: the archive has no table of contents (ld64 cannot resolve symbols from it; run ranlib)`);
        else {
          const missing = abi.filter((f) => !toc.has(f));
          if (missing.length) problems.push(`${where} ${arch}: the table of contents lacks ${missing.join(', ')}`);
        }
      }
      found.push({ platform: lib.SupportedPlatform, variant, archs });
    }
    const entries = fs.readdirSync(dir).filter((e) => e !== 'Info.plist' && !ids.has(e));
    if (entries.length) problems.push(`unexpected entries in the xcframework: ${entries.join(', ')}`);
    const key = (l) => `${l.platform}/${l.variant ?? 'device'}/${l.archs.join('_')}`;
    const want = EXPECTED.map(key).sort().join(' ');
    const have = found.map(key).sort().join(' ');
    if (problems.length === 0 && want !== have) problems.push(`libraries [${have}], expected [${want}]`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return problems;
}

/** Damaged copies of a sound xcframework, each with the words its report must contain. */
function selfTest(dir) {
  const libs = readXcframework(dir);
  const device = libs.find((l) => !l.SupportedPlatformVariant);
  const sim = libs.find((l) => l.SupportedPlatformVariant === 'simulator');
  const plist = fs.readFileSync(path.join(dir, 'Info.plist'), 'utf8');
  const ar = path.join(LLVM_BIN, 'llvm-ar');
  const cases = [
    ['an architecture the binary lacks', 'but the binary holds', (d) => {
      const i = plist.indexOf(`<string>${device.LibraryIdentifier}</string>`);
      const damaged = plist.slice(0, i) + plist.slice(i).replace('<string>arm64</string>', '<string>arm64</string>\n\t\t\t\t<string>x86_64</string>');
      fs.writeFileSync(path.join(d, 'Info.plist'), damaged);
    }],
    ['device objects in the simulator library', 'is built for ios ', (d) => {
      fs.copyFileSync(device.file, path.join(d, sim.LibraryIdentifier, sim.LibraryPath));
    }],
    ['a missing library', 'is missing', (d) => fs.rmSync(path.join(d, device.LibraryIdentifier, device.LibraryPath))],
    ['a wrong identifier', 'identifier should be', (d) => {
      fs.renameSync(path.join(d, device.LibraryIdentifier), path.join(d, 'ios-arm64e'));
      fs.writeFileSync(path.join(d, 'Info.plist'), plist.split(`<string>${device.LibraryIdentifier}</string>`).join('<string>ios-arm64e</string>'));
    }],
    ['an archive without a table of contents', 'no table of contents', (d) => {
      const lib = path.join(d, device.LibraryIdentifier, device.LibraryPath);
      execFileSync(ar, ['--format=darwin', 'qcS', `${lib}.new`, ...extractMembers(lib, d)]);
      fs.renameSync(`${lib}.new`, lib);
    }],
  ];
  const failures = [];
  for (const [what, expect, damage] of cases) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ots-xcf-selftest-'));
    try {
      fs.cpSync(dir, copy, { recursive: true });
      damage(copy);
      const found = problemsOf(copy);
      if (!found.some((p) => p.includes(expect))) failures.push(`${what}: not reported (expected "${expect}"; got ${JSON.stringify(found)})`);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }
  return { cases: cases.length, failures };
}

/** The members of a thin archive, extracted into a fresh folder under `dir`; their paths. */
function extractMembers(archive, dir) {
  const out = fs.mkdtempSync(path.join(dir, 'members-'));
  execFileSync(path.join(LLVM_BIN, 'llvm-ar'), ['x', path.resolve(archive)], { cwd: out });
  return fs.readdirSync(out).sort().map((f) => path.join(out, f));
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: node scripts/prebuilt/check-xcframework.js XCFRAMEWORK [--self-test]');
    process.exit(2);
  }
  let ok = true;
  if (args.includes('--self-test')) {
    const { cases, failures } = selfTest(dir);
    for (const f of failures) console.error(`  self-test: ${f}`);
    console.error(`${failures.length ? 'FAIL' : 'ok  '} check-xcframework self-test: ${cases - failures.length} of ${cases} damaged copies reported`);
    ok = failures.length === 0;
  }
  const problems = problemsOf(dir);
  for (const p of problems) console.error(`  ${path.basename(dir)}: ${p}`);
  if (problems.length === 0) {
    const libs = readXcframework(dir).map((l) => `${l.LibraryIdentifier} (${l.SupportedArchitectures.join(', ')})`);
    console.log(`ok   ${path.basename(dir)}: ${libs.join(', ')}; Mach-O platforms, iOS ${IOS_DEPLOYMENT_TARGET}, tables of contents as declared`);
  } else console.log(`FAIL ${path.basename(dir)}: ${problems.length} problem(s)`);
  process.exit(ok && problems.length === 0 ? 0 : 1);
}

module.exports = { problemsOf, selfTest };
