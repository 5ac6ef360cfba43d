// Torture: a JS fuzzer in the Linux JSI host. Random values in random call orders on the raw
// binding (globalThis.__otelSessions) and the public TypeScript API (Sessions), with app-state
// changes, re-entrant listeners, flushes and clearAllData. Every call either works or throws an
// Error naming its method; the process never crashes and the library still works at the end.
//   argv: <storageDir> <iterations> <seed>
// Prints `FUZZ {"calls":…,"errors":…,"rejections":…}`; exits 1 on a broken expectation.
import { Sessions } from 'react-native-otel-sessions';

const h = globalThis.__harness;
const [storageDir, itArg, seedArg] = h.argv;
const iterations = Number(itArg) || 5000;
let seed = (Number(seedArg) >>> 0) || 7;
const rand = (n) => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
};
const S = globalThis.__otelSessions;

function value(depth = 0) {
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const pool = [
    undefined, null, true, false, 0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 2 ** 53 + 1, -(2 ** 63), 1e308,
    '', 'k', 'session.id', 'rn_otel_sessions.seq', 'x'.repeat(300), 'x'.repeat(70_000), '\u0000', '\ud800', '😀',
    'granted', 'pending', 'denied', 'TypeError', [], {}, () => 1, Symbol('s'), new Date(0), /r/, new Map(), cyclic,
    Object.create(null), new Error('e'), new Proxy({}, { get() { throw new Error('trap'); } }),
  ];
  const r = rand(10);
  if (depth < 3 && r === 0) return Array.from({ length: rand(5) }, () => value(depth + 1));
  if (depth < 3 && r === 1) {
    const o = {};
    for (let i = 0; i < rand(5); i++) {
      let key = 'k';
      try {
        key = String(value(3)).slice(0, 20) || 'k';
      } catch {
        // a value with no string form (a proxy, a null-prototype object)
      }
      o[key] = value(depth + 1);
    }
    return o;
  }
  return pool[rand(pool.length)];
}

const RAW = ['current', 'end', 'touch', 'setAttribute', 'removeAttribute', 'setUser', 'recordEvent', 'recordError',
  'setConsent', 'consent', 'history', 'stamp', 'subscribe', 'unsubscribe', 'flush', 'exportSpans', 'exportLogs'];
const API = ['current', 'end', 'touch', 'setAttribute', 'removeAttribute', 'setUser', 'recordEvent', 'recordError',
  'consent', 'history', 'subscribe', 'flush'];

let calls = 0, errors = 0, rejections = 0, reentrant = 0, failures = 0;
const fail = (m) => { failures++; console.log('FAIL ' + m); };

function checkError(e, where) {
  if (!(e instanceof Error)) return fail(`${where}: threw a non-Error ${String(e)}`);
  const fromJs = ['trap', 'getter', 'ownKeys trap'].includes(e.message);
  if (!fromJs && !/^Sessions\.\w*:/.test(e.message)) fail(`${where}: message does not name the method: ${e.message.slice(0, 200)}`);
  if (e.message.length > 2000) fail(`${where}: message of ${e.message.length} chars`);
}

async function main() {
  Sessions.init({ serviceName: 'fuzz', storageDir, endpoint: null, backgroundTimeoutMs: 50 });
  const unsubscribe = Sessions.subscribe(() => {
    reentrant++;
    try {
      Sessions.current();
      if (rand(4) === 0) Sessions.touch();
    } catch (e) {
      checkError(e, 'listener');
    }
  });
  const pending = [];
  for (let i = 0; i < iterations; i++) {
    const useApi = rand(2) === 0;
    const names = useApi ? API : RAW;
    const m = names[rand(names.length)];
    const args = Array.from({ length: rand(4) }, () => value());
    calls++;
    try {
      const target = useApi ? Sessions : S;
      if (m === 'subscribe') {
        const off = target.subscribe(typeof args[0] === 'function' ? args[0] : () => {});
        if (useApi) off();
        else S.unsubscribe(off);
        continue;
      }
      if (m === 'setConsent' && args[0] === 'denied') args[0] = 'granted';
      const r = target[m](...args);
      if (r && typeof r.then === 'function') {
        pending.push(r.catch((e) => { rejections++; checkError(e, m + ' (async)'); }));
      }
    } catch (e) {
      errors++;
      checkError(e, `${useApi ? 'Sessions' : 'binding'}.${m}`);
    }
    if (rand(50) === 0) h.setAppState(rand(2) ? 'active' : 'background');
    if (rand(500) === 0) pending.push(Sessions.clearAllData().catch((e) => checkError(e, 'clearAllData')));
    if (i % 200 === 0) {
      await Promise.all(pending.splice(0));
      await new Promise((r) => setTimeout(r, rand(60)));
    }
  }
  await Promise.all(pending);
  unsubscribe();
  h.setAppState('active');
  const s = Sessions.current();
  if (!/^[0-9a-f]{32}$/.test(s.id)) fail('no valid session at the end');
  Sessions.recordEvent('still.working');
  console.log('FUZZ ' + JSON.stringify({ calls, errors, rejections, listenerCalls: reentrant, failures }));
  h.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.log('FAIL uncaught ' + (e && e.stack ? e.stack : e));
  h.exit(1);
});
