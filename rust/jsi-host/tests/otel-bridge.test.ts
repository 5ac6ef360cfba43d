// harness: receiver
// The OpenTelemetry JS bridge end to end: spans and log records made with the OpenTelemetry
// JS SDK in a real jsi::Runtime, stamped by the bridge's processors, handed to the Rust
// pipeline by its exporters, delivered over OTLP/HTTP to a real receiver on loopback that
// decodes the protobuf. argv[0]: a fresh storage directory; env OTLP_ENDPOINT and
// RECEIVER_OUT (the receiver's JSON of what it decoded) come from scripts/test-jsi.sh.
import { context, trace } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Sessions } from 'react-native-otel-sessions';
import {
  SessionLogRecordExporter,
  SessionLogRecordProcessor,
  SessionSpanExporter,
  SessionSpanProcessor,
} from 'react-native-otel-sessions/opentelemetry';

import { eq, ok, run, test, until } from './lib/check.js';

type Harness = { argv: string[]; env(name: string): string | undefined; readFile(path: string): string | undefined };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;
const endpoint = harness.env('OTLP_ENDPOINT');
const out = harness.env('RECEIVER_OUT');
if (!endpoint || !out) throw new Error('run through scripts/test-jsi.sh: OTLP_ENDPOINT and RECEIVER_OUT are not set');

type Received = {
  spans: { name: string; traceId: string; spanId: string; parentSpanId: string; attributes: Record<string, unknown>; resource: Record<string, unknown>; scope: { name: string }; events: { name: string }[]; statusMessage: string }[];
  logs: { eventName: string; body: unknown; severityNumber: number; attributes: Record<string, unknown>; traceId: string }[];
};
function received(): Received {
  return JSON.parse(harness.readFile(out!) ?? '{"spans":[],"logs":[]}') as Received;
}

Sessions.init({ serviceName: 'bridge-e2e', serviceVersion: '3.1.4', storageDir: harness.argv[0]!, endpoint, sessionAttributes: { 'app.flavor': 'e2e' } });
const spans = new BasicTracerProvider({
  spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(new SessionSpanExporter(), { scheduledDelayMillis: 20 })],
});
const logs = new LoggerProvider({
  processors: [new SessionLogRecordProcessor(), new BatchLogRecordProcessor({ exporter: new SessionLogRecordExporter(), scheduledDelayMillis: 20 })],
});
const tracer = spans.getTracer('checkout-screen', '2.0.0');
const logger = logs.getLogger('checkout-screen');

test('a JS span, its child, a JS log and a native event arrive with the session, numbered together', async () => {
  const session = Sessions.current().id;
  const parent = tracer.startSpan('checkout', { attributes: { 'cart.items': 3 } });
  const parentCtx = parent.spanContext();
  const ctx = trace.setSpan(context.active(), parent);
  const child = tracer.startSpan('pay', { kind: 2 }, ctx);
  child.addEvent('card.accepted');
  child.setStatus({ code: 2, message: 'declined later' });
  child.end();
  logger.emit({ eventName: 'checkout.warned', severityNumber: 13, body: { reason: 'slow', ms: [120, 340] } });
  Sessions.recordEvent('native.tap');
  parent.end();
  await spans.forceFlush();
  await logs.forceFlush();
  await Sessions.flush(30_000);
  await until(() => received().spans.length >= 2 && received().logs.some((l) => l.eventName === 'checkout.warned'), 'records at the receiver', 30_000);

  const r = received();
  const checkout = r.spans.find((s) => s.name === 'checkout')!;
  const pay = r.spans.find((s) => s.name === 'pay')!;
  const warned = r.logs.find((l) => l.eventName === 'checkout.warned')!;
  const tap = r.logs.find((l) => l.eventName === 'native.tap')!;
  for (const rec of [checkout, pay, warned, tap]) eq(rec.attributes['session.id'], session, 'session.id');
  eq(checkout.attributes['app.flavor'], 'e2e', 'session attributes stamped');
  eq(checkout.attributes['cart.items'], 3, 'the span keeps its own attributes');
  eq(
    [checkout, pay, warned, tap].map((x) => x.attributes['rn_otel_sessions.seq']).sort(),
    [1, 2, 3, 4],
    'JS and native records share one gap-free numbering',
  );
  eq(checkout.spanId, parentCtx.spanId, 'the JS span id is kept');
  eq(pay.parentSpanId, parentCtx.spanId, 'the parent link is kept');
  eq(pay.traceId, parentCtx.traceId, 'one trace');
  eq(pay.events.map((e) => e.name), ['card.accepted'], 'span events');
  eq(pay.statusMessage, 'declined later', 'status');
  eq(checkout.scope.name, 'checkout-screen', 'instrumentation scope');
  eq(checkout.resource['service.name'], 'bridge-e2e', 'the resource from Sessions.init');
  eq(checkout.resource['service.version'], '3.1.4', 'service.version');
  eq(warned.severityNumber, 13, 'severity');
  const body = warned.body as { reason: string; ms: number[] }; // a map: key order is not kept
  eq([body.reason, body.ms], ['slow', [120, 340]], 'a structured body');
});

test('after end(), JS spans belong to the next session and start at 1 again', async () => {
  const next = Sessions.end();
  tracer.startSpan('after-end').end();
  await spans.forceFlush();
  await Sessions.flush(30_000);
  await until(() => received().spans.some((s) => s.name === 'after-end'), 'after-end at the receiver', 30_000);
  const span = received().spans.find((s) => s.name === 'after-end')!;
  eq(span.attributes['session.id'], next.id, 'the new session');
  eq(span.attributes['rn_otel_sessions.seq'], 1, 'numbering restarts per session');
  ok(received().logs.some((l) => l.eventName === 'session.start' && l.attributes['session.id'] === next.id), 'its session.start arrived too');
});

test('consent denied: JS spans are not delivered', async () => {
  Sessions.setConsent('denied');
  tracer.startSpan('while-denied').end();
  await spans.forceFlush();
  Sessions.setConsent('granted');
  tracer.startSpan('after-consent').end();
  await spans.forceFlush();
  await Sessions.flush(30_000);
  await until(() => received().spans.some((s) => s.name === 'after-consent'), 'after-consent at the receiver', 30_000);
  ok(!received().spans.some((s) => s.name === 'while-denied'), 'nothing recorded while denied');
});

run();
