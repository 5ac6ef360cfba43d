// The OpenTelemetry Collector file exporter's output (`format: json`: one OTLP/JSON export
// request per line, traces and logs mixed) turned into the JSON our own receiver writes
// (rust/otlp-receiver/src/json.rs: { spans: [...], logs: [...] }, attributes as plain
// objects, resource and scope copied into every record), so one set of checks reads both.
'use strict';
const fs = require('fs');

/** An OTLP/JSON AnyValue as the receiver writes it (int64 strings become numbers). */
function anyValue(v) {
  if (v === undefined || v === null) return '';
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return [...Buffer.from(v.bytesValue, 'base64')];
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attributes(v.kvlistValue.values);
  return ''; // an AnyValue with no value set, as the receiver's `Other("")`
}

/** Key/value pairs as an object; a repeated key keeps its last value (as the receiver). */
function attributes(list) {
  const out = {};
  for (const { key, value } of list ?? []) out[key] = anyValue(value);
  return out;
}

const nanos = (s) => Number(s ?? 0);
const scopeOf = (scope) => ({ name: scope?.name ?? '', version: scope?.version ?? '' });

function spansOf(request) {
  const spans = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          name: s.name ?? '',
          traceId: s.traceId ?? '',
          spanId: s.spanId ?? '',
          parentSpanId: s.parentSpanId ?? '',
          kind: Number(s.kind ?? 0),
          startTimeUnixNano: nanos(s.startTimeUnixNano),
          endTimeUnixNano: nanos(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name ?? '', timeUnixNano: nanos(e.timeUnixNano), attributes: attributes(e.attributes) })),
          statusCode: Number(s.status?.code ?? 0),
          statusMessage: s.status?.message ?? '',
          resource,
          scope: scopeOf(ss.scope),
        });
      }
    }
  }
  return spans;
}

function logsOf(request) {
  const logs = [];
  for (const rl of request.resourceLogs ?? []) {
    const resource = attributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const l of sl.logRecords ?? []) {
        const hasBody = l.body && Object.keys(l.body).length > 0;
        logs.push({
          eventName: l.eventName ?? '',
          body: hasBody ? anyValue(l.body) : null,
          severityNumber: Number(l.severityNumber ?? 0),
          severityText: l.severityText ?? '',
          timeUnixNano: nanos(l.timeUnixNano),
          observedTimeUnixNano: nanos(l.observedTimeUnixNano),
          traceId: l.traceId ?? '',
          spanId: l.spanId ?? '',
          attributes: attributes(l.attributes),
          resource,
          scope: scopeOf(sl.scope),
        });
      }
    }
  }
  return logs;
}

/**
 * Reads a file exporter output file: { spans, logs } in arrival order. A missing file is
 * empty; a last line cut short (the exporter still writing) is left for the next read; any
 * other line that is not JSON throws, naming the file and the line.
 */
function readFileExport(file) {
  if (!fs.existsSync(file)) return { spans: [], logs: [] };
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out = { spans: [], logs: [] };
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let request;
    try {
      request = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1) return; // not terminated yet
      throw new Error(`readFileExport: ${file} line ${i + 1} is not JSON: ${e.message}`);
    }
    out.spans.push(...spansOf(request));
    out.logs.push(...logsOf(request));
  });
  return out;
}

module.exports = { readFileExport, anyValue, attributes };
