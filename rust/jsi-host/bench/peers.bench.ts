// Ours against pure-JS peers in the same JS runtime (the Linux JSI host: React Native's
// JSCRuntime), each beside the same baseline, in one run:
// - reading the session id: `Sessions.current().id` vs @opentelemetry/web-common's session
//   manager (in-memory store) vs a plain property read;
// - recording an event: `Sessions.recordEvent` (durable: encoded and written to the outbox by
//   Rust, off the JS thread) vs @opentelemetry/sdk-logs `logger.emit` with a batch processor
//   and an in-memory exporter (per-call cost on the JS thread).
// Each row is timed in five passes, interleaved with its peer's; the median pass is reported.
// argv[0]: a storage directory; argv[1]: iterations scale (default 1); the bench runs it with
// JavaScriptCore's JIT on and off (an interpreter, as Hermes).
// Prints a table and `BENCH {json}`.
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { createDefaultSessionIdGenerator, createSessionManager, type Session as WebSession } from '@opentelemetry/web-common';
import { Sessions } from 'react-native-otel-sessions';

type Harness = { argv: string[]; exit(code: number): void };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const scale = Number(harness.argv[1] || 1);

type Row = { name: string; group: string; iterations: number; fn: () => void };

/** Times one pass of a row (after a short warm-up), in ns a call. */
function pass(row: Row): number {
  for (let i = 0; i < Math.min(2000, row.iterations); i++) row.fn();
  const start = performance.now();
  for (let i = 0; i < row.iterations; i++) row.fn();
  return ((performance.now() - start) * 1e6) / row.iterations;
}

/**
 * Times every row in ROUNDS interleaved passes (ours and the peer alternate, so that a JIT
 * tier-up, a collection or the library's threads fall on both) and reports each row's median
 * pass, with all passes. `between` runs after each round and the end of its task, untimed.
 */
async function measure(rows: Row[], between: () => void) {
  const passes: number[][] = rows.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    rows.forEach((row, i) => passes[i]!.push(pass(row)));
    await new Promise((r) => setTimeout(r, 0)); // the end of a task: queued events are handed over
    between();
  }
  return rows.map((row, i) => {
    const sorted = [...passes[i]!].sort((a, b) => a - b);
    return { name: row.name, group: row.group, iterations: row.iterations, nsPerCall: sorted[ROUNDS >> 1]!, passes: passes[i] };
  });
}
const ROUNDS = 5;
declare const performance: { now(): number };

async function main() {
  Sessions.init({ serviceName: 'bench', storageDir: harness.argv[0]!, endpoint: 'http://127.0.0.1:9' });
  let stored: WebSession | null = null;
  const manager = createSessionManager({
    sessionIdGenerator: createDefaultSessionIdGenerator(),
    sessionStore: { save: async (s) => void (stored = s), get: async () => stored },
    inactivityTimeout: 15 * 60,
    maxDuration: 4 * 60 * 60,
  });
  await manager.start();
  const exporter = new InMemoryLogRecordExporter();
  const logs = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter, maxQueueSize: 1 << 20, maxExportBatchSize: 512 })],
  });
  const logger = logs.getLogger('bench');

  const plain = { id: Sessions.current().id };
  let sink = 0;
  const n = 1e6 * scale;
  const m = 5e4 * scale;
  const rows = await measure(
    [
      { name: 'plain JS property read (obj.id)', group: 'session id', iterations: n, fn: () => { sink += plain.id.length; } },
      { name: 'ours: Sessions.current().id', group: 'session id', iterations: n, fn: () => { sink += Sessions.current().id.length; } },
      { name: 'peer: web-common SessionManager.getSessionId()', group: 'session id', iterations: n, fn: () => { sink += manager.getSessionId()!.length; } },
      { name: "ours: Sessions.recordEvent('tap', { screen })", group: 'record an event', iterations: m, fn: () => Sessions.recordEvent('tap', { screen: 'home' }) },
      {
        name: "peer: sdk-logs logger.emit({ eventName: 'tap', attributes })",
        group: 'record an event',
        iterations: m,
        fn: () => logger.emit({ eventName: 'tap', attributes: { screen: 'home' } }),
      },
      { name: "ours: Sessions.recordEvent('tap')", group: 'record an event', iterations: m, fn: () => Sessions.recordEvent('tap') },
      { name: "peer: sdk-logs logger.emit({ eventName: 'tap' })", group: 'record an event', iterations: m, fn: () => logger.emit({ eventName: 'tap' }) },
    ],
    () => exporter.reset(), // the peer's exported records would otherwise pile up in memory
  );
  const base = rows[0]!.nsPerCall;
  for (const r of rows) {
    console.log(`${r.name.padEnd(62)} ${r.nsPerCall.toFixed(1).padStart(9)} ns/call ${(r.nsPerCall / base).toFixed(1).padStart(8)}x read`);
  }
  console.log('BENCH ' + JSON.stringify({ suite: 'peers', rows, sink: sink > 0 }));
  manager.shutdown();
  await logs.shutdown();
  await Sessions.flush(1).catch(() => {});
  harness.exit(0);
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  harness.exit(1);
});
