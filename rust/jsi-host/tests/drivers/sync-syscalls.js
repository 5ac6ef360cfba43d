// Drives rust/jsi-host/tests/no-sync-on-js-thread.test.js under strace: every fsync, fdatasync,
// msync, sync_file_range, syncfs and sync of the host, by thread. The JS thread (the host's main
// thread) must make none; the library's own threads must make some (so the trace can see them).
//   node sync-syscalls.js <host> <bundle> <scratch dir>
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [host, bundle, scratch] = process.argv.slice(2);
const log = path.join(scratch, 'strace.log');
const SYNCS = ['fsync', 'fdatasync', 'msync', 'sync_file_range', 'syncfs', 'sync'];
const r = spawnSync('strace', ['-f', '-qq', '-o', log, '-e', `trace=execve,${SYNCS.join(',')}`,
  host, bundle, path.join(scratch, 'storage'), 'http://127.0.0.1:9'], { encoding: 'utf8', timeout: 300000 });
const out = (r.stdout || '') + (r.stderr || '');
const fail = (why) => { console.error(`FAIL ${why}\n${out}`); process.exit(1); };
if (r.error) fail(`cannot run strace: ${r.error.message}`);
if (r.status !== 0 || !/^WORKLOAD DONE$/m.test(out)) fail(`the workload failed (${r.status ?? r.signal})`);
const lines = fs.readFileSync(log, 'utf8').split('\n');
const exec = lines.find((l) => /^\d+ +execve\(/.test(l));
if (!exec) fail('no execve in the trace');
const main = exec.split(/\s+/)[0]; // the host's pid: its main thread runs the JS
const byThread = new Map();
for (const l of lines) {
  const m = l.match(/^(\d+) +(\w+)\(/);
  if (!m || !SYNCS.includes(m[2])) continue;
  byThread.set(m[1], (byThread.get(m[1]) ?? 0) + 1);
}
const onJs = byThread.get(main) ?? 0;
const elsewhere = [...byThread].filter(([t]) => t !== main).reduce((n, [, c]) => n + c, 0);
if (onJs > 0) {
  fail(`the JS thread made ${onJs} sync calls:\n` + lines.filter((l) => l.startsWith(main + ' ') && !l.includes('execve')).slice(0, 20).join('\n'));
}
if (elsewhere === 0) fail('no sync call at all was traced: the check would see nothing');
console.log(`0 syncs on the JS thread; ${elsewhere} on ${byThread.size} library threads`);
