#!/usr/bin/env node
// OtelSessionsRust.xcframework assembled without xcodebuild (the project's machines have no Xcode):
// the directory layout and the Info.plist that `xcodebuild -create-xcframework -library ...`
// writes for static libraries. The format (read by Xcode, CocoaPods' Pod::Xcode::XCFramework and
// SwiftPM's XCFrameworkMetadata):
//
//   OtelSessionsRust.xcframework/
//     Info.plist                       CFBundlePackageType XFWK, XCFrameworkFormatVersion 1.0,
//                                      AvailableLibraries: one dictionary per library
//     <LibraryIdentifier>/<LibraryPath>
//
// Each library: LibraryIdentifier `<platform>-<arch>[_<arch>...][-<variant>]` (its folder),
// LibraryPath and BinaryPath (the static library inside that folder), SupportedPlatform,
// SupportedArchitectures, and SupportedPlatformVariant `simulator` for a simulator library.
// No HeadersPath: the podspec compiles rust/jsi/include itself.
//
// The slices are declared here from the Rust targets they are built for (SLICES); what the
// binaries really hold is read back from their Mach-O headers by check-xcframework.js.
//
//   node scripts/prebuilt/xcframework.js create OUTPUT DEVICE_LIB SIMULATOR_LIB
//       DEVICE_LIB: the aarch64-apple-ios archive; SIMULATOR_LIB: one fat archive of
//       aarch64-apple-ios-sim and x86_64-apple-ios (llvm-lipo -create). OUTPUT is replaced.
//   node scripts/prebuilt/xcframework.js slices XCFRAMEWORK
//       prints "<rust target> <arch> <library file>" for each architecture the Info.plist declares.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const LIBRARY = 'libotel_sessions_jsi.a';
/** The libraries of the xcframework, by the Rust targets each one holds. */
const SLICES = [
  { platform: 'ios', variant: null, targets: ['aarch64-apple-ios'] },
  { platform: 'ios', variant: 'simulator', targets: ['aarch64-apple-ios-sim', 'x86_64-apple-ios'] },
];
/** Apple's name of the architecture of a Rust target. */
function archOf(target) {
  const cpu = target.split('-')[0];
  const arch = { aarch64: 'arm64', x86_64: 'x86_64' }[cpu];
  if (!arch) throw new Error(`xcframework: no Apple architecture for the Rust target ${target}`);
  return arch;
}

/** The Rust target of one architecture of a library (the inverse of SLICES), or undefined. */
function targetOf(platform, variant, arch) {
  const slice = SLICES.find((s) => s.platform === platform && s.variant === (variant ?? null));
  return slice?.targets.find((t) => archOf(t) === arch);
}

/** xcodebuild's identifier of a library: platform, sorted architectures, variant. */
function libraryIdentifier({ platform, archs, variant }) {
  return `${platform}-${[...archs].sort().join('_')}${variant ? `-${variant}` : ''}`;
}

/** The AvailableLibraries entries for SLICES, as plain objects keyed like the plist. */
function availableLibraries() {
  return SLICES.map((s) => {
    const archs = s.targets.map(archOf);
    const entry = {
      BinaryPath: LIBRARY,
      LibraryIdentifier: libraryIdentifier({ platform: s.platform, archs, variant: s.variant }),
      LibraryPath: LIBRARY,
      SupportedArchitectures: archs,
      SupportedPlatform: s.platform,
    };
    if (s.variant) entry.SupportedPlatformVariant = s.variant;
    return entry;
  });
}

const escapeXml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An XML property list of strings, arrays of strings and dictionaries of those. */
function plistXml(value) {
  const lines = [];
  const emit = (v, depth) => {
    const pad = '\t'.repeat(depth);
    if (typeof v === 'string') lines.push(`${pad}<string>${escapeXml(v)}</string>`);
    else if (Array.isArray(v)) {
      lines.push(`${pad}<array>`);
      v.forEach((x) => emit(x, depth + 1));
      lines.push(`${pad}</array>`);
    } else if (v && typeof v === 'object') {
      lines.push(`${pad}<dict>`);
      for (const key of Object.keys(v).sort()) {
        lines.push(`${pad}\t<key>${escapeXml(key)}</key>`);
        emit(v[key], depth + 1);
      }
      lines.push(`${pad}</dict>`);
    } else throw new Error(`plist: cannot write ${typeof v}`);
  };
  emit(value, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    ...lines,
    '</plist>',
    '',
  ].join('\n');
}

/** Writes the xcframework at `output` from the device and simulator archives. */
function create(output, deviceLib, simulatorLib) {
  const sources = [deviceLib, simulatorLib];
  for (const s of sources) if (!fs.statSync(s, { throwIfNoEntry: false })?.isFile()) throw new Error(`xcframework: no archive at ${s}`);
  const libraries = availableLibraries();
  fs.rmSync(output, { recursive: true, force: true });
  libraries.forEach((lib, i) => {
    const dir = path.join(output, lib.LibraryIdentifier);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(sources[i], path.join(dir, lib.LibraryPath));
  });
  const info = { AvailableLibraries: libraries, CFBundlePackageType: 'XFWK', XCFrameworkFormatVersion: '1.0' };
  fs.writeFileSync(path.join(output, 'Info.plist'), plistXml(info));
  return libraries;
}

/** Info.plist through Python's plistlib (XML or binary), as JSON. */
function readPlist(file) {
  const py = 'import json, plistlib, sys\nwith open(sys.argv[1], "rb") as f:\n    print(json.dumps(plistlib.load(f)))';
  return JSON.parse(execFileSync('python3', ['-c', py, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The libraries of an xcframework as its Info.plist declares them, with absolute paths. */
function readXcframework(dir) {
  const info = readPlist(path.join(dir, 'Info.plist'));
  return (info.AvailableLibraries || []).map((l) => ({
    ...l,
    file: path.join(dir, l.LibraryIdentifier || '', l.LibraryPath || ''),
  }));
}

if (require.main === module) {
  const [cmd, output, device, simulator] = process.argv.slice(2);
  if (cmd === 'slices' && output) {
    for (const lib of readXcframework(output)) {
      for (const arch of lib.SupportedArchitectures) {
        console.log(`${targetOf(lib.SupportedPlatform, lib.SupportedPlatformVariant, arch) ?? 'unknown'} ${arch} ${lib.file}`);
      }
    }
    process.exit(0);
  }
  if (cmd !== 'create' || !output || !device || !simulator) {
    console.error('usage: node scripts/prebuilt/xcframework.js create OUTPUT DEVICE_LIB SIMULATOR_LIB | slices XCFRAMEWORK');
    process.exit(2);
  }
  try {
    for (const lib of create(output, device, simulator)) {
      console.error(`xcframework: ${lib.LibraryIdentifier}/${lib.LibraryPath} (${lib.SupportedArchitectures.join(', ')})`);
    }
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}

module.exports = { LIBRARY, SLICES, archOf, targetOf, libraryIdentifier, availableLibraries, plistXml, create, readPlist, readXcframework };
