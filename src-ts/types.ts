/**
 * An attribute value: what OpenTelemetry can carry. Numbers must be finite; arrays hold one type.
 * @example const v: AttributeValue = ['beta', 'dark-mode'];
 */
export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

/**
 * Session attributes, stamped on every record of the session.
 * @example const a: Attributes = { 'user.tier': 'gold', 'cart.items': 3 };
 */
export type Attributes = Record<string, AttributeValue>;

/**
 * What the user allowed: upload, record without uploading, or nothing.
 * @example Sessions.setConsent(accepted ? 'granted' : 'pending');
 */
export type Consent = 'granted' | 'pending' | 'denied';

/**
 * Why a session ended (`session.end`'s reason, and {@link SessionRecord.endReason}).
 * @example const crashed = Sessions.history().some((r) => r.endReason === 'abnormal_termination');
 */
export type EndReason =
  | 'background_timeout'
  | 'inactivity'
  | 'max_duration'
  | 'manual'
  | 'abnormal_termination'
  | 'relaunch';

/**
 * The current session. Snapshots are immutable: a change produces a new object.
 * @example const { id, previousId, attributes } = Sessions.current();
 */
export interface Session {
  /** `session.id`: a random (v4) UUID in simple form, 32 lowercase hex characters. */
  readonly id: string;
  /** The session this one replaced (`session.previous_id`), or null for the first. */
  readonly previousId: string | null;
  /** Start, in epoch milliseconds. */
  readonly startTime: number;
  /** Attributes stamped on all of the session's telemetry. */
  readonly attributes: Readonly<Attributes>;
  /** Whether the session's telemetry is exported. */
  readonly sampled: boolean;
}

/**
 * A session in the local history; the current one comes last with null end fields.
 * @example const last = Sessions.history().at(-2); // the session before this one
 */
export interface SessionRecord {
  /** `session.id`. */
  readonly id: string;
  /** The session it replaced, or null. */
  readonly previousId: string | null;
  /** Start, in epoch milliseconds. */
  readonly startTime: number;
  /** End, in epoch milliseconds; null for the current session. */
  readonly endTime: number | null;
  /** Why it ended; null for the current session. */
  readonly endReason: EndReason | null;
  /** Records (spans, logs, events) it carried; null for the current session. */
  readonly recordCount: number | null;
  /** Records of an unsampled session pushed out of the error-sampling buffer; null for the current session. */
  readonly droppedCount: number | null;
}

/**
 * Called on rotation (previous = the ended session) and on changes to the session.
 * @example const l: SessionListener = (s, prev) => prev && prev.id !== s.id && analytics.reset();
 */
export type SessionListener = (session: Session, previous: Session | null) => void;

/**
 * Configuration of `Sessions.init`. Only `serviceName` is required.
 * @example Sessions.init({ serviceName: 'shop', endpoint: 'https://otel.example.com:4318', backgroundTimeoutMs: 300_000 });
 */
export interface SessionsConfig {
  /** `service.name` of your app. */
  serviceName: string;
  /** `service.version`. */
  serviceVersion?: string;
  /** OTLP/HTTP base URL (`/v1/traces` and `/v1/logs` are appended); null: sessions only. */
  endpoint?: string | null;
  /** Extra request headers, e.g. an API key. */
  headers?: Record<string, string>;
  /** Background time without activity that ends a session. Default 900000 (15 min). */
  backgroundTimeoutMs?: number;
  /** Time without activity that ends a session in any state; null: off (default). */
  inactivityTimeoutMs?: number | null;
  /** Longest a session lasts. Default 14400000 (4 h). */
  maxDurationMs?: number;
  /** Continue the stored session after a relaunch within the timeouts. Default true. */
  resumeAcrossLaunches?: boolean;
  /** Probability that a session is exported, decided once per session. Default 1. */
  sampleRate?: number;
  /** Keep the last `bufferSize` records of unsampled sessions; an error exports them. */
  errorSampling?: { bufferSize: number } | false;
  /** Default 'granted'. */
  consent?: Consent;
  /** Attributes every new session starts with. */
  sessionAttributes?: Attributes;
  /** Where state and the outbox live. Default: the platform's app-support directory. */
  storageDir?: string;
  /** Outbox byte cap. Default 10 MiB (10485760 bytes). */
  maxQueueBytes?: number;
  /** Outbox age cap. Default 18 h. */
  maxQueueAgeMs?: number;
}
