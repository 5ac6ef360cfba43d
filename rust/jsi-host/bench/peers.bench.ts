// Ours against pure-JS peers in the same JS runtime (the Linux JSI host: React Native's
// JSCRuntime), each beside the same baseline, in one run:
// - reading the session id: `Sessions.current().id` vs @opentelemetry/web-common's session
//   manager (in-memory store) vs a plain property read;
// - recording an event: `Sessions.recordEvent` (durable: encoded and written to the outbox by
//   Rust, off the JS thread) vs @opentelemetry/sdk-logs `logger.emit` with a batch processor
//   and an in-memory exporter (per-call cost on the JS thread).
// argv[0]: a storage directory; argv[1]: iterations scale (default 1).
// Prints a table and `BENCH {json}`.
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { createDefaultSessionIdGenerator, createSessionManager, type Session as WebSession } from '@opentelemetry/web-common';
import { Sessions } from 'react-native-otel-sessions';

type Harness = { argv: string[]; exit(code: number): void };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const scale = Number(harness.argv[1] || 1);

function time(name: string, group: string, iterations: number, fn: () => void) {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return { name, group, iterations, nsPerCall: ((performance.now() - start) * 1e6) / iterations };
}
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
  const logs = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter: new InMemoryLogRecordExporter(), maxQueueSize: 1 << 20, maxExportBatchSize: 512 })],
  });
  const logger = logs.getLogger('bench');

  const plain = { id: Sessions.current().id };
  let sink = 0;
  const n = 1e6 * scale;
  const m = 5e4 * scale;
  const rows = [
    time('plain JS property read (obj.id)', 'session id', n, () => { sink += plain.id.length; }),
    time('ours: Sessions.current().id', 'session id', n, () => { sink += Sessions.current().id.length; }),
    time('peer: web-common SessionManager.getSessionId()', 'session id', n, () => { sink += manager.getSessionId()!.length; }),
    time("ours: Sessions.recordEvent('tap', { screen })", 'record an event', m, () => Sessions.recordEvent('tap', { screen: 'home' })),
    time("peer: sdk-logs logger.emit({ eventName: 'tap', attributes })", 'record an event', m, () =>
      logger.emit({ eventName: 'tap', attributes: { screen: 'home' } }),
    ),
    time("ours: Sessions.recordEvent('tap')", 'record an event', m, () => Sessions.recordEvent('tap')),
    time("peer: sdk-logs logger.emit({ eventName: 'tap' })", 'record an event', m, () => logger.emit({ eventName: 'tap' })),
  ];
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
