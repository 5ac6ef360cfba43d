// The OpenTelemetry JS bridge: processors that stamp `session.id` on spans and log records
// created with @opentelemetry/sdk-trace-base and @opentelemetry/sdk-logs, synchronously,
// from the session cached in JS (no native call per record).
//
//   import { SessionSpanProcessor } from 'react-native-otel-sessions/opentelemetry';
//   new BasicTracerProvider({ spanProcessors: [new SessionSpanProcessor(), yourBatchProcessor] });
//
// Only types are imported from OpenTelemetry: the packages are optional peer dependencies.
import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

import { Sessions } from '../Sessions';

/** The attribute stamped on every span and log record. */
export const SESSION_ID_ATTRIBUTE = 'session.id';

/** Recording telemetry is session activity; it is reported at most this often. */
const ACTIVITY_INTERVAL_MS = 1000;
let lastActivity = 0;

/** The current session id (and a throttled `touch`), or null before `Sessions.init`. */
function currentSessionId(): string | null {
  let id: string;
  try {
    id = Sessions.current().id;
  } catch {
    return null; // not initialised yet: leave the record unstamped rather than fail the app
  }
  const now = Date.now();
  if (now - lastActivity >= ACTIVITY_INTERVAL_MS) {
    lastActivity = now;
    Sessions.touch();
  }
  return id;
}

/**
 * Stamps `session.id` on every span when it starts. Register it before your exporting
 * processor: `spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(exporter)]`.
 * A span keeps the session it started in.
 */
export class SessionSpanProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    const id = currentSessionId();
    if (id !== null) span.setAttribute(SESSION_ID_ATTRIBUTE, id);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Stamps `session.id` on every log record when it is emitted. Register it before your
 * exporting processor: `processors: [new SessionLogRecordProcessor(), new BatchLogRecordProcessor(exporter)]`.
 */
export class SessionLogRecordProcessor implements LogRecordProcessor {
  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    const id = currentSessionId();
    if (id !== null) logRecord.setAttribute(SESSION_ID_ATTRIBUTE, id);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
