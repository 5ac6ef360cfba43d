// Drives rust/jsi-host/tests/storage-lock.test.js with real processes on one storage directory:
// a holder, a refused second process (which must write nothing), the holder going on untouched,
// a SIGKILL of the holder, and a process that then takes over.
//   node storage-lock.js <host> <bundle> <scratch dir>
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [host, bundle, scratch] = process.argv.slice(2);
const dir = path.join(scratch, 'storage');
const fail = (m) => { console.error('FAIL ' + m); process.exitCode = 1; };

/** Every file under `root` with its size, mtime and content hash-free bytes (small files). */
function snapshot(root) {
  const out = {};
  const walk = (d) => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else out[path.relative(root, p)] = `${st.size} ${st.mtimeMs} ${fs.readFileSync(p).toString('base64')}`;
    }
  };
  walk(root);
  return out;
}

function once(role, ...args) {
  const r = spawnSync(host, [bundle, dir, role, ...args], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

async function main() {
  const holder = spawn(host, [bundle, dir, 'hold'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  holder.stdout.on('data', (d) => { out += d; });
  holder.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => holder.on('exit', (code, signal) => r({ code, signal })));
  const line = (prefix) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      const m = out.match(new RegExp('^' + prefix + ' (\\S+)$', 'm'));
      if (m) { clearInterval(poll); resolve(m[1]); }
      else if (holder.exitCode !== null || Date.now() - t0 > 120000) {
        clearInterval(poll);
        reject(new Error(`no '${prefix}' from the holder:\n${out}`));
      }
    }, 20);
  });
  try {
    const id = await line('HELD');
    const before = snapshot(dir);
    const second = once('second');
    if (second.code !== 0 || !/^REFUSED /m.test(second.out)) fail('second process:\n' + second.out);
    const after = snapshot(dir);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      fail('the refused process changed the directory:\n' + JSON.stringify({ before, after }, null, 1));
    }
    fs.writeFileSync(dir + '.go', 'go');
    const still = await line('STILL');
    if (still !== id) fail(`holder session changed: ${id} -> ${still}`);
    holder.kill('SIGKILL');
    const { signal } = await exited;
    if (signal !== 'SIGKILL') fail('holder ended by ' + signal + ' instead of SIGKILL:\n' + out);
    const third = once('after', id);
    if (third.code !== 0 || !/^AFTER /m.test(third.out)) fail('after the kill:\n' + third.out);
    if (!process.exitCode) console.log(`refused while held, then took over from the killed holder ${id.slice(0, 8)}`);
  } finally {
    if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
  }
}

main().catch((e) => { fail(e.stack || String(e)); });
