import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { Sessions } from '..';
import { resetNativeBindingForTests } from '../getNativeBinding';
import { SessionLogRecordProcessor, SessionSpanProcessor } from '../opentelemetry';
import { resetSessionsForTests } from '../Sessions';

beforeEach(() => {
  resetSessionsForTests();
  resetNativeBindingForTests();
});

function tracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SessionSpanProcessor(), new SimpleSpanProcessor(exporter)],
  });
  return { exporter, tracer: provider.getTracer('bridge-test') };
}

test('spans carry the session they started in', () => {
  const { exporter, tracer } = tracing();
  Sessions.init({ serviceName: 'bridge' });
  const first = Sessions.current().id;
  const long = tracer.startSpan('long');
  tracer.startSpan('a').end();
  const second = Sessions.end().id;
  tracer.startSpan('b').end();
  long.end();
  const byName = Object.fromEntries(exporter.getFinishedSpans().map((s) => [s.name, s.attributes['session.id']]));
  expect(byName).toEqual({ a: first, b: second, long: first });
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
});

test('before init, records are left unstamped and nothing throws', () => {
  const { exporter, tracer } = tracing();
  expect(() => tracer.startSpan('early').end()).not.toThrow();
  expect(exporter.getFinishedSpans()[0]?.attributes['session.id']).toBeUndefined();
});
