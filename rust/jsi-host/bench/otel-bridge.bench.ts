// Costs of the OpenTelemetry JS bridge per span, each beside a baseline measured in the same
// run: the same OpenTelemetry JS SDK span (start + end) with no session processor.
// argv[0]: a storage directory; argv[1] (optional): iterations scale (default 1).
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Sessions } from 'react-native-otel-sessions';
import { SessionSpanExporter, SessionSpanProcessor } from 'react-native-otel-sessions/opentelemetry';

type Harness = { argv: string[]; exit(code: number): void };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const scale = Number(harness.argv[1] || 1);
Sessions.init({ serviceName: 'bench', storageDir: harness.argv[0]!, endpoint: 'http://127.0.0.1:9', consent: 'pending' });

/** Collects ended spans, like a batch processor's queue, without exporting. */
class Collect implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function time(name: string, iterations: number, fn: () => void) {
  for (let i = 0; i < Math.min(500, iterations); i++) fn();
  const start = Date.now();
  for (let i = 0; i < iterations; i++) fn();
  return { name, nsPerSpan: ((Date.now() - start) * 1e6) / iterations };
}

const bare = new Collect();
const stamped = new Collect();
const bareTracer = new BasicTracerProvider({ spanProcessors: [bare] }).getTracer('bench');
const stampedTracer = new BasicTracerProvider({ spanProcessors: [new SessionSpanProcessor(), stamped] }).getTracer('bench');
const n = 2e4 * scale;
const rows = [
  time('baseline: JS SDK span start + end', n, () => bareTracer.startSpan('tap', { attributes: { screen: 'home' } }).end()),
  time('with SessionSpanProcessor (stamping)', n, () => stampedTracer.startSpan('tap', { attributes: { screen: 'home' } }).end()),
];
// Export: the stamped spans handed to the native pipeline in batches of 512, as BatchSpanProcessor sends them.
const exporter = new SessionSpanExporter();
const spans = stamped.spans.slice(0, 512 * Math.max(1, Math.floor(stamped.spans.length / 512 / 4)));
const start = Date.now();
for (let i = 0; i < spans.length; i += 512) exporter.export(spans.slice(i, i + 512), () => {});
rows.push({ name: 'export through SessionSpanExporter (per span)', nsPerSpan: ((Date.now() - start) * 1e6) / spans.length });
const base = rows[0]!.nsPerSpan;
for (const r of rows) {
  console.log(`${r.name.padEnd(48)} ${r.nsPerSpan.toFixed(0).padStart(8)} ns/span  ${(r.nsPerSpan / base).toFixed(2).padStart(6)}x baseline`);
}
console.log('BENCH ' + JSON.stringify({ suite: 'otel-bridge', rows }));
Sessions.flush(1).catch(() => {}).then(() => harness.exit(0));
