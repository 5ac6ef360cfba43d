// Exporters that hand spans and log records made with the OpenTelemetry JS SDK to the Rust
// pipeline, so they share the native records' sessions, sequence numbers, sampling, consent,
// durable outbox, retries and OTLP endpoint. The hand-over is one native call per batch (split
// when a batch is over the binding's 1 MiB argument limit): the JS thread only serialises it;
// Rust parses and ingests it on another thread, and the SDK's callback runs when that is done.
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

import type { NativeBinding } from '../NativeBinding';
import { bridgeBinding } from '../Sessions';
import { toExportedLog, toExportedSpan } from './wire';

/** The SDK's result callback; the codes are @opentelemetry/core's ExportResultCode. */
type ResultCallback = Parameters<SpanExporter['export']>[1];
const SUCCESS = 0;
const FAILED = 1;

/**
 * Starts sending `items` in as few calls as fit the binding's argument limit (the limit is
 * checked synchronously); returns the calls under way and the items that fit in no call.
 */
function send<T>(items: T[], call: (chunk: T[]) => Promise<number>): { calls: Promise<number>[]; tooLarge: T[] } {
  if (items.length === 0) return { calls: [], tooLarge: [] };
  try {
    return { calls: [call(items)], tooLarge: [] };
  } catch (e) {
    if (!(e instanceof RangeError) || !/over 1 MiB/.test(e.message)) throw e;
    if (items.length === 1) return { calls: [], tooLarge: items };
    const half = Math.ceil(items.length / 2);
    const a = send(items.slice(0, half), call);
    const b = send(items.slice(half), call);
    return { calls: [...a.calls, ...b.calls], tooLarge: [...a.tooLarge, ...b.tooLarge] };
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function exportBatch<T, W>(
  method: 'exportSpans' | 'exportLogs',
  items: T[],
  convert: (item: T) => W,
  call: (b: NativeBinding, wire: W[]) => Promise<number>,
  resultCallback: ResultCallback,
): void {
  let sent: { calls: Promise<number>[]; tooLarge: W[] };
  try {
    const b = bridgeBinding(method);
    sent = send(items.map(convert), (chunk) => call(b, chunk));
  } catch (error) {
    resultCallback({ code: FAILED, error: asError(error) });
    return;
  }
  Promise.all(sent.calls).then(
    () => {
      if (sent.tooLarge.length === 0) {
        resultCallback({ code: SUCCESS });
        return;
      }
      const what = method === 'exportSpans' ? 'span' : 'log record';
      resultCallback({
        code: FAILED,
        error: new RangeError(
          `Sessions.${method}: ${sent.tooLarge.length} ${what}(s) over 1 MiB each as JSON were dropped; record less data per ${what}`,
        ),
      });
    },
    (error: unknown) => resultCallback({ code: FAILED, error: asError(error) }),
  );
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

  /** Nothing is held here (the SDK waits for pending exports itself); `Sessions.flush()` delivers. */
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

  /** Nothing is held here; `Sessions.flush()` delivers. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
