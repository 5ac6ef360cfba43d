// Costs of the binding from JavaScript, each beside a baseline measured in the same run.
// argv[0]: a storage directory; argv[1] (optional): iterations scale (default 1).
// Prints a table and one JSON line ("BENCH {...}") for scripts.
const S = globalThis.__otelSessions;
const scale = Number(__harness.argv[1] || 1);
S.init({ serviceName: 'bench', storageDir: __harness.argv[0], endpoint: 'http://127.0.0.1:9', consent: 'pending' });

function time(name, iterations, fn) {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm up
  const start = Date.now();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Date.now() - start;
  return { name, iterations, nsPerCall: (ms * 1e6) / iterations };
}

const plain = { id: S.current().id };
const hostFn = S.consent;
let sink = 0;
const rows = [
  time('baseline: plain JS property read (obj.id)', 2e7 * scale, () => { sink += plain.id.length; }),
  time('baseline: JS function call returning a string', 2e7 * scale, () => { sink += (() => plain.id)().length; }),
  time('host function call, no arguments (consent())', 2e5 * scale, () => { sink += hostFn().length; }),
  time('current().id through the binding', 1e5 * scale, () => { sink += S.current().id.length; }),
  time("recordEvent('tap') through the binding", 1e5 * scale, () => S.recordEvent('tap')),
  time("recordEvent('tap', {screen: 'home'})", 1e5 * scale, () => S.recordEvent('tap', { screen: 'home' })),
];
const base = rows[0].nsPerCall;
for (const r of rows) {
  console.log(`${r.name.padEnd(48)} ${r.nsPerCall.toFixed(1).padStart(10)} ns/call  ${(r.nsPerCall / base).toFixed(0).padStart(6)}x baseline`);
}
console.log('BENCH ' + JSON.stringify({ suite: 'binding', rows, sink: sink > 0 }));
S.flush(1).catch(() => {}).then(() => __harness.exit(0));
