// Exporters that hand spans and log records made with the OpenTelemetry JS SDK to the Rust
// pipeline, so they share the native records' sessions, sequence numbers, sampling, consent,
// durable outbox, retries and OTLP endpoint. The hand-over is one synchronous native call
// per batch (split when a batch is over the binding's 1 MiB argument limit).
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

import type { NativeBinding } from '../NativeBinding';
import { bridgeBinding } from '../Sessions';
import { toExportedLog, toExportedSpan } from './wire';

/** The SDK's result callback; the codes are @opentelemetry/core's ExportResultCode. */
type ResultCallback = Parameters<SpanExporter['export']>[1];
const SUCCESS = 0;
const FAILED = 1;

/** Sends `items` in as few calls as fit the argument limit; returns those that fit in none. */
function send<T>(items: T[], call: (chunk: T[]) => void): T[] {
  if (items.length === 0) return [];
  try {
    call(items);
    return [];
  } catch (e) {
    if (!(e instanceof RangeError) || !/over 1 MiB/.test(e.message)) throw e;
    if (items.length === 1) return items;
    const half = Math.ceil(items.length / 2);
    return [...send(items.slice(0, half), call), ...send(items.slice(half), call)];
  }
}

function exportBatch<T, W>(
  method: 'exportSpans' | 'exportLogs',
  items: T[],
  convert: (item: T) => W,
  call: (b: NativeBinding, wire: W[]) => void,
  resultCallback: ResultCallback,
): void {
  let tooLarge: W[];
  try {
    const b = bridgeBinding(method);
    tooLarge = send(items.map(convert), (chunk) => call(b, chunk));
  } catch (error) {
    resultCallback({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    return;
  }
  if (tooLarge.length > 0) {
    const what = method === 'exportSpans' ? 'span' : 'log record';
    resultCallback({
      code: FAILED,
      error: new RangeError(
        `Sessions.${method}: ${tooLarge.length} ${what}(s) over 1 MiB each as JSON were dropped; record less data per ${what}`,
      ),
    });
    return;
  }
  resultCallback({ code: SUCCESS });
}

/**
 * Hands finished spans to the native pipeline. Use it behind a `BatchSpanProcessor` and after
 * a {@link SessionSpanProcessor} (spans it did not stamp are stamped at export with the
 * session current then). Spans are exported under the resource given to `Sessions.init`,
 * not the tracer provider's. Fails the batch (the SDK logs it) before `Sessions.init`.
 *
 * @example
 * ```ts
 * const provider = new BasicTracerProvider({
 *   spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(new SessionSpanExporter())],
 * });
 * ```
 */
export class SessionSpanExporter implements SpanExporter {
  export(spans: ReadableSpan[], resultCallback: ResultCallback): void {
    exportBatch('exportSpans', spans, toExportedSpan, (b, chunk) => b.exportSpans(chunk), resultCallback);
  }

  /** Spans were handed over synchronously: nothing is pending here. `Sessions.flush()` delivers. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Hands log records to the native pipeline. Use it behind a `BatchLogRecordProcessor` and
 * after a {@link SessionLogRecordProcessor}. Records are exported under the resource given to
 * `Sessions.init`.
 *
 * @example
 * ```ts
 * const logs = new LoggerProvider({
 *   processors: [new SessionLogRecordProcessor(), new BatchLogRecordProcessor({ exporter: new SessionLogRecordExporter() })],
 * });
 * ```
 */
export class SessionLogRecordExporter implements LogRecordExporter {
  export(logs: ReadableLogRecord[], resultCallback: ResultCallback): void {
    exportBatch('exportLogs', logs, toExportedLog, (b, chunk) => b.exportLogs(chunk), resultCallback);
  }

  /** Records were handed over synchronously: nothing is pending here. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
