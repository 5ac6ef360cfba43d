// Processors that stamp spans and log records created with @opentelemetry/sdk-trace-base and
// @opentelemetry/sdk-logs, synchronously, as the Rust pipeline stamps its own: `session.id`,
// the record's sequence number in its session (`rn_otel_sessions.seq`), and the session's
// attributes. Stamping is one native call (it counts the record and is session activity).
import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

import { stampRecord } from '../Sessions';
import type { Attributes } from '../types';

/** The attribute stamped on every span and log record: the session's id. */
export const SESSION_ID_ATTRIBUTE = 'session.id';
/** The record's number in its session: 1, 2, 3… without gaps, shared with native records. */
export const SEQUENCE_ATTRIBUTE = 'rn_otel_sessions.seq';

/** What a record is stamped with, or null before `Sessions.init` (then nothing is stamped). */
function stamp(): Attributes | null {
  const s = stampRecord();
  if (s === null) return null;
  return { ...s.attributes, [SESSION_ID_ATTRIBUTE]: s.id, [SEQUENCE_ATTRIBUTE]: s.seq };
}

/**
 * Stamps every span when it starts, so a span keeps the session it started in. Register it
 * first: `spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(new SessionSpanExporter())]`.
 * Before `Sessions.init`, spans are left unstamped (never an exception in your app).
 *
 * @example
 * ```ts
 * import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
 * import { SessionSpanExporter, SessionSpanProcessor } from 'react-native-otel-sessions/opentelemetry';
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(new SessionSpanExporter())],
 * });
 * ```
 */
export class SessionSpanProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    const attributes = stamp();
    if (attributes !== null) span.setAttributes(attributes);
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
 * Stamps every log record when it is emitted. Register it first:
 * `processors: [new SessionLogRecordProcessor(), new BatchLogRecordProcessor({ exporter: new SessionLogRecordExporter() })]`.
 *
 * @example
 * ```ts
 * import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
 * import { SessionLogRecordExporter, SessionLogRecordProcessor } from 'react-native-otel-sessions/opentelemetry';
 * const logs = new LoggerProvider({
 *   processors: [new SessionLogRecordProcessor(), new BatchLogRecordProcessor({ exporter: new SessionLogRecordExporter() })],
 * });
 * ```
 */
export class SessionLogRecordProcessor implements LogRecordProcessor {
  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    const attributes = stamp();
    if (attributes !== null) logRecord.setAttributes(attributes);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
