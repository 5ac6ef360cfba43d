// Start-up, in one launch of the host. Run by scripts/bench/run-host.js with a fresh storage
// directory (cold) and then again on the same directory (warm: the stored session resumes).
// argv[0]: storage directory; argv[1]: when the first session is read:
//   'at-once'  right after `Sessions.init` (the worst case: it waits for the whole native start);
//   'later'    after 20 ms of the app's own JavaScript (as when `init` runs in index.js and the
//              first component reads the session once the bundle has loaded).
// Prints the time the JS thread spent in `Sessions.init` and in the first `Sessions.current()`.
import { Sessions } from 'react-native-otel-sessions';

type Harness = { argv: string[]; exit(code: number): void };
declare const performance: { now(): number };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const [dir, when] = harness.argv;
if (when !== 'at-once' && when !== 'later') throw new Error("startup.bench.ts: argv[1] must be 'at-once' or 'later'");

const t0 = performance.now();
Sessions.init({ serviceName: 'bench', storageDir: dir!, endpoint: 'http://127.0.0.1:9', consent: 'pending' });
const t1 = performance.now();
if (when === 'later') {
  let x = 0;
  while (performance.now() - t1 < 20) x += Math.sqrt(x + 1); // the app's own work
  if (x < 0) console.log(x);
}
const t2 = performance.now();
const id = Sessions.current().id;
const t3 = performance.now();
const initUs = (t1 - t0) * 1000;
const firstUs = (t3 - t2) * 1000;
console.log('BENCH ' + JSON.stringify({ suite: 'startup', when, initUs, firstUs, blockedUs: initUs + firstUs, id }));
harness.exit(0);
