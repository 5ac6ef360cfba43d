#!/usr/bin/env node
// Symbol check of one device staticlib (issue 15):
//   exports    the C-named global symbols the archive defines (not hidden) are exactly the
//              functions of rust/jsi/include/otel_sessions.h, no more, no fewer. Rust-mangled
//              symbols are counted, not listed: they are the library's internals, which the
//              platform link keeps out of the app's exports (see link-android.sh).
//   undefined  every symbol the archive needs and does not define itself is a system symbol of
//              the platform (platform-symbols/<android|ios>.txt: the library it comes from and,
//              where it is newer than the oldest OS the package supports, the version it came
//              in). A symbol newer than that may only be referenced weakly (std does so, and
//              checks for it at run time); a strong reference would fail to load on older phones.
//
//   node scripts/device/check-symbols.js --target TRIPLE --archive LIB.a [--header H] [--list L]
//   node scripts/device/check-symbols.js --target TRIPLE --so LIB.so|LIB.dylib
//
// --so checks a linked library by the same rules, with no exception: its exports are the
// header's functions and nothing else. Android: the dynamic symbols of a shared object
// (link-android.sh); iOS: the external symbols of a Mach-O dylib (scripts/prebuilt/link-ios.sh).
// --header / --list replace the real header or platform list (the self-test in
// check-device.sh uses them to prove a missing export and an unknown import are caught).
// Prints one summary line; problems on stderr; exits 1 on any.
'use strict';
const path = require('path');
const fs = require('fs');
const { headerFunctions, isRustMangled, archiveSymbols, dynamicSymbols, platformSymbols } = require('./symbols');

const ANDROID_MIN_API = 24; // scripts/build-android --platform default
const IOS_DEPLOYMENT_TARGET = 15.1; // scripts/build-ios IPHONEOS_DEPLOYMENT_TARGET default
// C-named globals of the Rust runtime besides the C ABI: std defines its unwinding personality
// routine (whatever the panic strategy), and on Apple targets compiler-builtins defines (weakly, like
// clang's own runtime) the helpers behind `@available`. link-android.sh shows a linked library
// keeps such names internal; in an iOS app they resolve with clang's copies.
const RUNTIME_EXPORTS = ['rust_eh_personality', '__isOSVersionAtLeast', '__isPlatformVersionAtLeast'];
// Symbols the static linker itself defines for every ELF link, never imported from a library:
// i686 position-independent code addresses its GOT through _GLOBAL_OFFSET_TABLE_ (the linked
// library's check shows it resolved).
const LINKER_DEFINED = ['_GLOBAL_OFFSET_TABLE_'];

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['target', 'archive', 'so', 'header', 'list'].includes(key) || argv[i + 1] === undefined) {
      console.error(`check-symbols: bad argument ${argv[i]}; usage: --target TRIPLE --archive LIB.a [--header H] [--list L]`);
      process.exit(2);
    }
    opts[key] = argv[i + 1];
  }
  if (!opts.target || !opts.archive === !opts.so) {
    console.error('check-symbols: --target and one of --archive, --so are required');
    process.exit(2);
  }
  return opts;
}

function platformOf(target) {
  if (/-linux-android/.test(target)) return { name: 'android', macho: false, min: ANDROID_MIN_API, minName: `API ${ANDROID_MIN_API}` };
  if (/-apple-ios/.test(target)) return { name: 'ios', macho: true, min: IOS_DEPLOYMENT_TARGET, minName: `iOS ${IOS_DEPLOYMENT_TARGET}` };
  throw new Error(`check-symbols: ${target} is not an Android or iOS target`);
}

function check({ target, archive, so, header, list }) {
  const platform = platformOf(target);
  const problems = [];
  const abi = headerFunctions(header ? fs.readFileSync(header, 'utf8') : undefined);
  const listFile = list || path.join(__dirname, 'platform-symbols', `${platform.name}.txt`);
  const system = platformSymbols(listFile);
  const file = archive || so;
  // A linked Mach-O library (scripts/prebuilt/link-ios.sh) is read like an archive member.
  const syms = archive
    ? archiveSymbols(archive, { macho: platform.macho })
    : platform.macho
      ? archiveSymbols(so, { macho: true }).map((s) => ({ ...s, member: path.basename(so) }))
      : dynamicSymbols(so).map((s) => ({ ...s, hidden: false, member: path.basename(so) }));
  if (syms.length === 0) problems.push(`${file}: no symbols read`);
  const allowedExtra = archive ? RUNTIME_EXPORTS : [];

  const defined = new Set(syms.filter((s) => s.defined).map((s) => s.name));
  const exported = syms.filter((s) => s.defined && !s.hidden);
  // In an archive, Rust-mangled globals are internals the platform link hides; in a linked
  // library nothing but the C ABI may be exported.
  const cExports = new Map(exported.filter((s) => so || !isRustMangled(s.name)).map((s) => [s.name, s.member]));
  const rustExports = exported.length - cExports.size;
  for (const f of abi) if (!cExports.has(f)) problems.push(`export missing: ${f} is declared in otel_sessions.h but not defined by the library`);
  const extra = [...cExports].filter(([name]) => !abi.includes(name) && !allowedExtra.includes(name));
  for (const [name, member] of extra.slice(0, 20)) {
    problems.push(`export not in otel_sessions.h: ${name} (in ${member}); declare it in the header or stop exporting it (#[no_mangle]/extern, or the link's export list)`);
  }
  if (extra.length > 20) problems.push(`... and ${extra.length - 20} more exports not in otel_sessions.h`);

  // Needed from outside: referenced, defined by no member. Weak if every reference is weak.
  const needed = new Map();
  for (const s of syms) {
    if (s.defined || defined.has(s.name)) continue;
    if (!platform.macho && LINKER_DEFINED.includes(s.name)) continue;
    const prev = needed.get(s.name);
    needed.set(s.name, { weak: (prev ? prev.weak : true) && s.weak, member: prev ? prev.member : s.member });
  }
  const libraries = new Set();
  for (const [name, { weak, member }] of needed) {
    const known = system.get(name);
    if (!known) {
      problems.push(`import not a known ${platform.name} system symbol: ${name} (needed by ${member}); if the platform provides it, add it with its library to ${path.relative(process.cwd(), listFile)}`);
      continue;
    }
    libraries.add(known.library);
    if (!weak && known.since > platform.min) {
      problems.push(`import ${name} needs ${platform.name === 'android' ? 'API' : 'iOS'} ${known.since} but the package supports ${platform.minName}, and ${member} references it strongly (it would fail to load there)`);
    }
  }

  for (const p of problems) console.error(`  ${target}: ${p}`);
  const weakCount = [...needed.values()].filter((n) => n.weak).length;
  const internal = archive ? ` (+ ${rustExports} Rust-internal symbols)` : ' only';
  const summary = `${so ? 'linked: ' : ''}exports the ${abi.length} functions of otel_sessions.h${internal}; ` +
    `imports ${needed.size} system symbols (${weakCount} weak) from ${[...libraries].sort().join(', ')}`;
  console.log(`${problems.length ? 'FAIL' : 'ok  '} ${target}: ${problems.length ? `${problems.length} problem(s)` : summary}`);
  return problems.length === 0;
}

if (require.main === module) process.exit(check(parseArgs(process.argv.slice(2))) ? 0 : 1);
module.exports = { check };
