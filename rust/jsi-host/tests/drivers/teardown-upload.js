// Drives rust/jsi-host/tests/teardown-upload.test.js: a backend that accepts connections and
// never answers, a host that tears down with an upload in flight to it, and the teardown's
// duration, which must stay under 200 ms (issue 19: release must not wait for the transport).
//   node teardown-upload.js <host> <bundle> <scratch dir>
'use strict';
const { spawn } = require('child_process');
const net = require('net');
const path = require('path');

const [host, bundle, scratch] = process.argv.slice(2);
const LIMIT_MS = 200;

const sockets = [];
const server = net.createServer((s) => { sockets.push(s); s.on('error', () => {}); }); // silent
server.listen(0, '127.0.0.1', () => {
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const started = Date.now();
  // Asynchronously: the silent backend must accept while the host runs.
  const child = spawn(host, [bundle, path.join(scratch, 'storage'), endpoint], {
    env: { ...process.env, OTS_HOST_REPORT_TEARDOWN: '1' },
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const guard = setTimeout(() => child.kill('SIGKILL'), 120000);
  child.on('close', (code, signal) => {
    clearTimeout(guard);
    const m = out.match(/^TEARDOWN_MS ([\d.]+)$/m);
    const fail = (why) => { console.error(`FAIL ${why}\n${out}`); process.exitCode = 1; };
    if (code !== 0) fail(`host exited with ${code ?? signal}`);
    else if (!/^UPLOADING$/m.test(out)) fail('the script did not reach the upload');
    else if (sockets.length === 0) fail('no upload reached the silent backend');
    else if (!m) fail('no TEARDOWN_MS line');
    else if (Number(m[1]) >= LIMIT_MS) fail(`teardown took ${m[1]} ms with an upload in flight (limit ${LIMIT_MS} ms)`);
    else console.log(`teardown ${Number(m[1]).toFixed(1)} ms with an upload hanging on a silent backend (${Date.now() - started} ms run)`);
    for (const s of sockets) s.destroy();
    server.close();
  });
});
