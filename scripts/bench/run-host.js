// The JavaScript benchmarks, each in its own launch of the Linux JSI host (release build):
// every `BENCH {json}` line they print is collected into <out>/host.json.
//   node scripts/bench/run-host.js --host PATH --out DIR [--quick]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const argv = process.argv.slice(2);
const opt = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const host = opt('--host');
const out = opt('--out');
const quick = argv.includes('--quick');
if (!host || !out) throw new Error('usage: run-host.js --host PATH --out DIR [--quick]');
const root = path.join(__dirname, '..', '..');
fs.mkdirSync(out, { recursive: true });

function bundle(file) {
  const target = path.join(root, 'target', 'harness', `${path.basename(file)}.bench.js`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  execFileSync('bash', [path.join(root, 'scripts', 'bundle.sh'), file, target], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return target;
}

/** One launch; returns its BENCH objects and prints its other output. */
function launch(bundled, args, env = process.env) {
  const text = execFileSync(host, [bundled, ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const benches = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('BENCH ')) benches.push(JSON.parse(line.slice(6)));
    else if (line.trim() && !quick) console.log(line);
  }
  return benches;
}

/** The launches' storage directories (about 14 a run, up to 13 MB each), removed when this
 * script exits, however it exits: `npm test` runs the benchmarks, and they had piled up in the
 * temporary directory by the hundred. Listed in host.json (`storageDirs`) for
 * check-results.js, which checks that they are gone. */
const made = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ots-bench-'));
  made.push(dir);
  return dir;
};
const scale = quick ? '0.02' : '1';
const results = {};
const noJit = { ...process.env, JSC_useJIT: 'false' };
for (const file of ['binding.bench.js', 'otel-bridge.bench.ts', 'peers.bench.ts']) {
  const b = bundle(`rust/jsi-host/bench/${file}`);
  for (const r of launch(b, [tmp(), scale])) results[r.suite] = r;
}
// The peers again with the JIT off (an interpreter, as Hermes runs an app's JavaScript).
for (const r of launch(bundle('rust/jsi-host/bench/peers.bench.ts'), [tmp(), scale], noJit)) results[`${r.suite}NoJit`] = r;

// Start-up: cold (fresh storage) then warm (the same storage: the session resumes), each with
// the first session read at once and after the app's own work (see startup.bench.ts).
const startup = bundle('rust/jsi-host/bench/startup.bench.ts');
const runs = quick ? 2 : 15;
const launches = { cold: { 'at-once': [], later: [] }, warm: { 'at-once': [], later: [] } };
for (let i = 0; i < runs; i++) {
  for (const when of ['at-once', 'later']) {
    const dir = tmp();
    launches.cold[when].push(launch(startup, [dir, when])[0]);
    launches.warm[when].push(launch(startup, [dir, when])[0]);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
results.startup = { suite: 'startup', runs };
for (const state of ['cold', 'warm']) {
  const atOnce = launches[state]['at-once'];
  const later = launches[state].later;
  // `init` alone: both kinds of launch measure it the same way.
  results.startup[state] = {
    initMedianUs: median([...atOnce, ...later].map((r) => r.initUs)),
    atOnceMedianUs: median(atOnce.map((r) => r.blockedUs)),
    laterMedianUs: median(later.map((r) => r.blockedUs)),
    launches: launches[state],
  };
}

// Memory: many events with the receiver down; the outbox on disk is measured after. Each size
// runs twice with JavaScriptCore's JIT on (its default) and off (an interpreter, as Hermes, React
// Native's default engine, runs without a JIT), each beside the same loop without the library.
const memoryBundle = bundle('rust/jsi-host/bench/memory.bench.ts');
function memoryRun(events, jit) {
  const env = jit ? process.env : noJit;
  const dir = tmp();
  const ours = launch(memoryBundle, [dir, String(events)], env)[0];
  let outboxBytes = 0;
  const outbox = path.join(dir, 'outbox');
  for (const f of fs.existsSync(outbox) ? fs.readdirSync(outbox) : []) outboxBytes += fs.statSync(path.join(outbox, f)).size;
  const baseline = launch(memoryBundle, [tmp(), String(events), 'baseline'], env)[0];
  return { events, jit, ours: { ...ours, outboxBytes }, baseline };
}
results.memoryRuns = [];
for (const events of quick ? [20000] : [20000, 1000000]) {
  for (const jit of [true, false]) results.memoryRuns.push(memoryRun(events, jit));
}
const largest = results.memoryRuns.filter((r) => r.jit).pop();
results.memory = largest.ours;
results.memoryBaseline = largest.baseline;

results.storageDirs = made;
fs.writeFileSync(path.join(out, 'host.json'), JSON.stringify(results, null, 2));
console.log(`host benchmarks: ${Object.keys(results).filter((k) => k !== 'storageDirs').join(', ')} -> ${path.join(out, 'host.json')}`);
