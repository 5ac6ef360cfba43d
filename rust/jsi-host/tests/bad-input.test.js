// Hundreds of bad inputs from JavaScript: every one gives a TypeError, RangeError or Error
// naming the method, never a crash. Then random calls in random orders.
// argv[0]: a fresh storage directory.
import { eq, ok, run, test } from './lib/check.js';

const S = globalThis.__otelSessions;

function nasty() {
  const cyclic = { name: 'c' };
  cyclic.self = cyclic;
  let deep = { v: 1 };
  for (let i = 0; i < 50; i++) deep = { d: deep };
  const proxyThrows = new Proxy({}, { ownKeys() { throw new Error('ownKeys trap'); } });
  const getterThrows = { get bad() { throw new Error('getter'); } };
  return [
    undefined, null, true, false, 0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 64, Number.MIN_VALUE,
    '', 'x', 'x'.repeat(5000), 'x'.repeat(2_000_000), '\u0000', '\ud800', 'é😀',
    [], [1, 'a'], [NaN], [[1]], new Array(20000).fill(1), {}, { a: 1 }, { 'session.id': 'x' }, { k: NaN }, { k: () => 1 },
    () => 1, Symbol('s'), 10n, new Date(), /re/, new Map(), cyclic, deep, proxyThrows, getterThrows,
    Object.create(null), new Error('e'), globalThis.__otelSessions,
  ];
}

const METHODS = ['current', 'end', 'touch', 'setAttribute', 'removeAttribute', 'setUser', 'recordEvent',
  'recordError', 'setConsent', 'consent', 'history', 'subscribe', 'unsubscribe', 'stamp'];

test('init with bad configs', () => {
  let n = 0;
  for (const v of nasty()) {
    for (const cfg of [v, { serviceName: v }, { serviceName: 'a', storageDir: __harness.argv[0], maxDurationMs: v },
      { serviceName: 'a', storageDir: __harness.argv[0], sessionAttributes: v }, { serviceName: 'a', storageDir: __harness.argv[0], headers: v }]) {
      try {
        S.init(cfg);
      } catch (e) {
        n++;
        ok(e instanceof TypeError || e instanceof RangeError || e instanceof Error, 'an Error');
        ok(e.message.startsWith('Sessions.init:') || e.message === 'ownKeys trap' || e.message === 'getter', e.message);
      }
    }
  }
  ok(n > 150, `${n} bad configs refused`);
  S.init({ serviceName: 'bad-input', storageDir: __harness.argv[0] });
});

test('every method with every bad value in every position', () => {
  const values = nasty();
  let calls = 0, errors = 0;
  for (const m of METHODS) {
    for (const a of values) {
      for (const args of [[a], ['k', a], [a, a], ['TypeError', 'msg', a], ['TypeError', 'msg', null, a], [a, a, a, a, a]]) {
        calls++;
        try {
          const r = S[m](...args);
          if (m === 'subscribe') S.unsubscribe(r);
        } catch (e) {
          errors++;
          const fromJs = e.message === 'ownKeys trap' || e.message === 'getter';
          ok(fromJs || e.message.startsWith(`Sessions.${m}:`), `${m}: ${e.message.slice(0, 200)}`);
          ok(e.message.length < 400, `${m}: message is short (${e.message.length})`);
        }
      }
    }
  }
  ok(calls > 3000 && errors > 1000, `${calls} calls, ${errors} errors`);
  ok(/^[0-9a-f]{32}$/.test(S.current().id), 'still working');
});

test('random calls in random orders', async () => {
  let seed = 12345;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const values = nasty();
  for (let i = 0; i < 3000; i++) {
    const m = METHODS[rand(METHODS.length)];
    const args = Array.from({ length: rand(4) }, () => values[rand(values.length)]);
    try {
      const r = S[m](...args);
      if (m === 'subscribe') S.unsubscribe(r);
    } catch (e) {
      ok(e instanceof Error, 'an Error');
    }
    if (i % 500 === 0) await S.flush(10).catch(() => {});
  }
  ok(/^[0-9a-f]{32}$/.test(S.current().id), 'still working');
});

test('the bridge exports refuse bad batches: at once, or by rejecting, never a crash', async () => {
  const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'x', kind: 0,
    start: [1, 0], end: [1, 5], scope: { name: 's' } };
  const cases = [];
  for (const v of nasty()) {
    cases.push([v], [[v]], [[{ ...span, traceId: v }]], [[{ ...span, start: v }]], [[{ ...span, attributes: v }]],
      [[{ ...span, events: [{ name: v, time: v }] }]], [[{ scope: { name: 'l' }, body: v, severityNumber: v }]]);
  }
  let settled = 0, refused = 0;
  for (const m of ['exportSpans', 'exportLogs']) {
    for (const args of cases) {
      try {
        await S[m](...args);
        settled++;
      } catch (e) {
        refused++;
        const fromJs = e.message === 'ownKeys trap' || e.message === 'getter';
        ok(fromJs || e.message.startsWith(`Sessions.${m}:`), `${m}: ${e.message.slice(0, 200)}`);
        ok(e.message.length < 400, `${m}: message is short (${e.message.length})`);
      }
    }
  }
  ok(refused > 300, `${refused} refused, ${settled} accepted`);
  eq(await S.exportSpans([span]), 1, 'a good span is still accepted');
});

run();
