// The OpenTelemetry JS bridge (`react-native-otel-sessions/opentelemetry`): processors that
// stamp spans and log records with the session, and exporters that hand them to the native
// pipeline. @opentelemetry/api, sdk-trace-base and sdk-logs are optional peer dependencies:
// only their types are imported here.
export { SessionLogRecordProcessor, SessionSpanProcessor, SEQUENCE_ATTRIBUTE, SESSION_ID_ATTRIBUTE } from './processors';
export { SessionLogRecordExporter, SessionSpanExporter } from './exporters';
export type { ExportedLog, ExportedScope, ExportedSpan } from './wire';
