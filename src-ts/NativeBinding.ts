import type { ExportedLog, ExportedSpan } from './opentelemetry/wire';
import type { Attributes, AttributeValue, Consent, Session, SessionRecord, SessionsConfig } from './types';

/** An event queued in JS: name, attributes or null, and when it was recorded (epoch ms). */
export type QueuedEvent = [string, Attributes | null, number];

/** The JSI binding as installed on `global.__otelSessions` (and as the Jest mock implements it). */
export interface NativeBinding {
  init(config: SessionsConfig): void;
  current(): Session;
  end(): Session;
  touch(): void;
  setAttribute(key: string, value: AttributeValue): void;
  removeAttribute(key: string): void;
  setUser(id: string | null): void;
  recordEvent(name: string, attributes?: Attributes): void;
  /**
   * Events already checked in JS, `[name, attributes | null, epochMs]`, and how many: numbered
   * and written to the native journal unparsed when the call returns (a kill no longer loses
   * them), then recorded in order by a native worker. Every other call waits for the queue to
   * empty first. `count` must be `batch.length` (native code reads it without parsing the batch).
   */
  recordEvents(batch: QueuedEvent[], count: number): void;
  recordError(type: string, message: string, stack: string | null, attributes?: Attributes): void;
  setConsent(consent: Consent): void;
  consent(): Consent;
  history(): SessionRecord[];
  flush(timeoutMs?: number): Promise<void>;
  clearAllData(): Promise<void>;
  /** Listener calls arrive later, on the JS thread. Returns an id for `unsubscribe`. */
  subscribe(listener: (session: Session, previous: Session | null) => void): number;
  unsubscribe(id: number): void;
  /** A record starts: counts as activity; returns `[sessionId, sequenceNumber]`. */
  stamp(): [string, number];
  /**
   * Hands finished OpenTelemetry JS spans to the Rust pipeline, which parses and ingests them
   * off the JS thread; resolves to how many. Over 1 MiB of JSON throws a RangeError at once.
   */
  exportSpans(spans: ExportedSpan[]): Promise<number>;
  /** As `exportSpans`, for log records. */
  exportLogs(logs: ExportedLog[]): Promise<number>;
}
