import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { Sessions } from '..';
import { resetNativeBindingForTests } from '../getNativeBinding';
import { createMockBinding } from '../mock/createMockBinding';
import type { NativeBinding } from '../NativeBinding';
import {
  SessionLogRecordExporter,
  SessionLogRecordProcessor,
  SessionSpanExporter,
  SessionSpanProcessor,
  type ExportedSpan,
} from '../opentelemetry';
import { resetSessionsForTests } from '../Sessions';

const g = globalThis as unknown as { __otelSessions?: NativeBinding };

beforeEach(() => {
  resetSessionsForTests();
  resetNativeBindingForTests();
  delete g.__otelSessions;
});

function tracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SessionSpanProcessor(), new SimpleSpanProcessor(exporter)],
  });
  return { exporter, tracer: provider.getTracer('bridge-test') };
}

test('spans carry the session they started in, a gap-free sequence and the session attributes', () => {
  const { exporter, tracer } = tracing();
  Sessions.init({ serviceName: 'bridge', sessionAttributes: { 'app.flavor': 'beta' } });
  const first = Sessions.current().id;
  const long = tracer.startSpan('long');
  tracer.startSpan('a').end();
  Sessions.recordEvent('between'); // a native record takes the next number
  const second = Sessions.end().id;
  tracer.startSpan('b').end();
  long.end();
  const byName = Object.fromEntries(
    exporter
      .getFinishedSpans()
      .map((s) => [s.name, [s.attributes['session.id'], s.attributes['rn_otel_sessions.seq'], s.attributes['app.flavor']]]),
  );
  expect(byName).toEqual({ long: [first, 1, 'beta'], a: [first, 2, 'beta'], b: [second, 1, 'beta'] });
  expect(Sessions.history()[0]?.recordCount).toBe(3);
});

test('log records carry the current session', () => {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    processors: [new SessionLogRecordProcessor(), new SimpleLogRecordProcessor({ exporter })],
  });
  Sessions.init({ serviceName: 'bridge' });
  provider.getLogger('bridge-test').emit({ body: 'hello', eventName: 'app.hello' });
  const [record] = exporter.getFinishedLogRecords();
  expect(record?.attributes['session.id']).toBe(Sessions.current().id);
  expect(record?.attributes['rn_otel_sessions.seq']).toBe(1);
});

test('before init, records are left unstamped and nothing throws', () => {
  const { exporter, tracer } = tracing();
  expect(() => tracer.startSpan('early').end()).not.toThrow();
  expect(exporter.getFinishedSpans()[0]?.attributes['session.id']).toBeUndefined();
});

test('after a native start that failed, records are left unstamped and nothing throws', () => {
  // As the binding answers every call once its start failed after `init` had returned
  // (rust/jsi/tests/c_abi.rs checks the real one).
  const failed = (method: string) => () => {
    throw new Error(`Sessions.${method}: the library did not start, so this call cannot run (...)`);
  };
  g.__otelSessions = {
    ...createMockBinding(),
    current: failed('current'),
    stamp: failed('stamp'),
    subscribe: failed('subscribe'),
  };
  Sessions.init({ serviceName: 'bridge' });
  const { exporter, tracer } = tracing();
  expect(() => tracer.startSpan('after-a-failed-start').end()).not.toThrow();
  expect(exporter.getFinishedSpans()[0]?.attributes['session.id']).toBeUndefined();
  expect(() => Sessions.current()).toThrow('Sessions.current: the library did not start');
});

/** A binding that records what the exporters send and refuses calls over `limit` items. */
function recordingBinding(limit = Infinity) {
  const sent: ExportedSpan[][] = [];
  const base = createMockBinding();
  g.__otelSessions = {
    ...base,
    exportSpans(spans: ExportedSpan[]) {
      if (spans.length > limit) throw new RangeError('Sessions.exportSpans: the arguments are over 1 MiB as JSON; pass less data');
      sent.push(spans);
      return Promise.resolve(spans.length);
    },
  };
  return sent;
}

function exportedWith(exporter: SessionSpanExporter, spans: ReturnType<InMemorySpanExporter['getFinishedSpans']>) {
  return new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
}

test('the span exporter sends every field the native side reads', async () => {
  const sent = recordingBinding();
  const { exporter: memory, tracer } = tracing();
  Sessions.init({ serviceName: 'bridge' });
  const parent = tracer.startSpan('parent');
  parent.end();
  const child = tracer.startSpan('child', { kind: 2, attributes: { n: 1 } });
  child.addEvent('tap', { x: 1 });
  child.setStatus({ code: 2, message: 'boom' });
  child.end();
  const result = await exportedWith(new SessionSpanExporter(), memory.getFinishedSpans());
  expect(result.code).toBe(0);
  const wire = sent.flat().find((s) => s.name === 'child')!;
  expect(wire.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(wire.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(wire.kind).toBe(2);
  expect(wire.start).toHaveLength(2);
  expect(wire.attributes).toMatchObject({ n: 1, 'session.id': Sessions.current().id });
  expect(wire.events[0]).toMatchObject({ name: 'tap', attributes: { x: 1 } });
  expect(wire.status).toEqual({ code: 2, message: 'boom' });
  expect(wire.scope).toEqual({ name: 'bridge-test' });
});

test('a batch over the argument limit is split, and only what cannot fit fails', async () => {
  const sent = recordingBinding(3);
  const { exporter: memory, tracer } = tracing();
  Sessions.init({ serviceName: 'bridge' });
  for (let i = 0; i < 10; i++) tracer.startSpan(`s${i}`).end();
  const result = await exportedWith(new SessionSpanExporter(), memory.getFinishedSpans());
  expect(result.code).toBe(0);
  expect(sent.flat().map((s) => s.name)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
  expect(Math.max(...sent.map((c) => c.length))).toBeLessThanOrEqual(3);

  sent.length = 0;
  recordingBinding(0); // nothing fits
  resetNativeBindingForTests();
  resetSessionsForTests();
  Sessions.init({ serviceName: 'bridge' });
  const failed = await exportedWith(new SessionSpanExporter(), memory.getFinishedSpans().slice(0, 2));
  expect(failed.code).toBe(1);
  expect(failed.error?.message).toMatch(/2 span\(s\) over 1 MiB/);
});

test('a batch the native side rejects fails with its message', async () => {
  const base = createMockBinding();
  g.__otelSessions = {
    ...base,
    exportSpans: () => Promise.reject(new TypeError('Sessions.exportSpans: spans[0].traceId must be 32 lowercase hex digits')),
  };
  const { exporter: memory, tracer } = tracing();
  Sessions.init({ serviceName: 'bridge' });
  tracer.startSpan('x').end();
  const result = await exportedWith(new SessionSpanExporter(), memory.getFinishedSpans());
  expect(result.code).toBe(1);
  expect(result.error?.message).toMatch(/spans\[0\]\.traceId/);
});

test('exporting before init fails the batch with the init message', async () => {
  const { exporter: memory, tracer } = tracing();
  tracer.startSpan('early').end();
  const result = await exportedWith(new SessionSpanExporter(), memory.getFinishedSpans());
  expect(result.code).toBe(1);
  expect(result.error?.message).toMatch(/Sessions\.exportSpans: call Sessions\.init\(config\) first/);
});

test('the log exporter hands records over', async () => {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    processors: [new SessionLogRecordProcessor(), new SimpleLogRecordProcessor({ exporter: memory })],
  });
  Sessions.init({ serviceName: 'bridge' });
  provider.getLogger('bridge-test').emit({ body: { nested: [1, 2] }, severityNumber: 13, eventName: 'app.warned' });
  const result = await new Promise<{ code: number }>((resolve) =>
    new SessionLogRecordExporter().export(memory.getFinishedLogRecords(), resolve),
  );
  expect(result.code).toBe(0);
});
