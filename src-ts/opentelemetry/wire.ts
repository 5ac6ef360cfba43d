// What the bridge's exporters send to the native pipeline: OpenTelemetry JS spans and log
// records as plain JSON data (the Rust side, rust/jsi/src/js_records.rs, documents and checks
// the same shape). Times stay OpenTelemetry's HrTime, `[seconds, nanoseconds]`, so nothing
// is lost to floating point. The JS SDK's resource is not sent: records are exported under
// the resource `Sessions.init` configured.
//
// Only types are imported from OpenTelemetry: the packages are optional peer dependencies.
import type { Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** An instrumentation scope on the wire. */
export interface ExportedScope {
  name: string;
  version?: string;
  schemaUrl?: string;
}

/** A finished span on the wire. */
export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  parentIsRemote?: boolean;
  traceFlags: number;
  traceState?: string;
  name: string;
  kind: number;
  start: HrTime;
  end: HrTime;
  attributes: Attributes;
  droppedAttributes: number;
  events: { name: string; time: HrTime; attributes?: Attributes; droppedAttributes?: number }[];
  droppedEvents: number;
  links: { traceId: string; spanId: string; traceFlags: number; attributes?: Attributes; droppedAttributes?: number }[];
  droppedLinks: number;
  status: { code: number; message?: string };
  scope: ExportedScope;
}

/** A log record on the wire. */
export interface ExportedLog {
  time?: HrTime;
  observedTime?: HrTime;
  severityNumber?: number;
  severityText?: string;
  eventName?: string;
  body?: unknown;
  attributes: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  scope: ExportedScope;
}

function scopeOf(s: { name: string; version?: string; schemaUrl?: string }): ExportedScope {
  const out: ExportedScope = { name: s.name };
  if (s.version) out.version = s.version;
  if (s.schemaUrl) out.schemaUrl = s.schemaUrl;
  return out;
}

/** OpenTelemetry JS 1.x spans name the parent by id, 2.x by context. */
type AnyVersionSpan = ReadableSpan & {
  parentSpanId?: string;
  instrumentationLibrary?: ExportedScope;
};

/** A span for the native pipeline. */
export function toExportedSpan(span: ReadableSpan): ExportedSpan {
  const s = span as AnyVersionSpan;
  const ctx: SpanContext = s.spanContext();
  const parent = s.parentSpanContext;
  const out: ExportedSpan = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceFlags: ctx.traceFlags,
    name: s.name,
    kind: s.kind,
    start: s.startTime,
    end: s.endTime,
    attributes: s.attributes,
    droppedAttributes: s.droppedAttributesCount ?? 0,
    events: s.events.map((e) => ({
      name: e.name,
      time: e.time,
      attributes: e.attributes,
      droppedAttributes: e.droppedAttributesCount ?? 0,
    })),
    droppedEvents: s.droppedEventsCount ?? 0,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceFlags: l.context.traceFlags,
      attributes: l.attributes,
      droppedAttributes: l.droppedAttributesCount ?? 0,
    })),
    droppedLinks: s.droppedLinksCount ?? 0,
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
    scope: scopeOf(s.instrumentationScope ?? s.instrumentationLibrary ?? { name: 'unknown' }),
  };
  const parentId = parent?.spanId ?? s.parentSpanId;
  if (parentId) out.parentSpanId = parentId;
  if (parent?.isRemote) out.parentIsRemote = true;
  const state = ctx.traceState?.serialize();
  if (state) out.traceState = state;
  return out;
}

/** Bytes bodies become lists of numbers: JSON has no bytes. */
function plain(value: unknown): unknown {
  return value instanceof Uint8Array ? Array.from(value) : value;
}

/** A log record for the native pipeline. */
export function toExportedLog(record: ReadableLogRecord): ExportedLog {
  const out: ExportedLog = {
    time: record.hrTime,
    observedTime: record.hrTimeObserved,
    attributes: record.attributes,
    scope: scopeOf(record.instrumentationScope),
  };
  if (record.severityNumber !== undefined) out.severityNumber = record.severityNumber;
  if (record.severityText !== undefined) out.severityText = record.severityText;
  if (record.eventName) out.eventName = record.eventName;
  if (record.body !== undefined) out.body = plain(record.body);
  if (record.spanContext) {
    out.traceId = record.spanContext.traceId;
    out.spanId = record.spanContext.spanId;
    out.traceFlags = record.spanContext.traceFlags;
  }
  return out;
}
