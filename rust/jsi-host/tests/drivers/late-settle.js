// Drives rust/jsi-host/tests/late-settle.test.js: the host must exit 0 after library threads
// settled async calls into its ended loop, and must have dropped some (or the test did not
// reach what it checks).
//   node late-settle.js <host> <bundle> <scratch dir>
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const [host, bundle, scratch] = process.argv.slice(2);
const r = spawnSync(host, [bundle, path.join(scratch, 'storage')], {
  env: { ...process.env, OTS_HOST_LINGER_MS: '1000' },
  encoding: 'utf8',
  timeout: 120000,
});
const out = (r.stdout || '') + (r.stderr || '');
const m = out.match(/^LATE_POSTS_DROPPED (\d+)$/m);
if (r.status !== 0) {
  console.error(`FAIL host exited with ${r.status ?? r.signal}\n${out}`);
  process.exitCode = 1;
} else if (!m || Number(m[1]) === 0) {
  console.error(`FAIL no async call settled after the loop ended (the test did not reach its case)\n${out}`);
  process.exitCode = 1;
} else {
  console.log(`${m[1]} late results dropped after the loop ended, exit 0`);
}
