/** An attribute value: what OpenTelemetry can carry. Numbers must be finite. */
export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** Session attributes, stamped on every record of the session. */
export type Attributes = Record<string, AttributeValue>;

/** What the user allowed: upload, record without uploading, or nothing. */
export type Consent = 'granted' | 'pending' | 'denied';

/** Why a session ended. */
export type EndReason =
  | 'background_timeout'
  | 'inactivity'
  | 'max_duration'
  | 'manual'
  | 'abnormal_termination'
  | 'relaunch';

/** The current session. Snapshots are immutable: a change produces a new object. */
export interface Session {
  /** `session.id`: 32 lowercase hex characters. */
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

/** A session in the local history; the current one comes last with null end fields. */
export interface SessionRecord {
  readonly id: string;
  readonly previousId: string | null;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly endReason: EndReason | null;
  readonly recordCount: number | null;
  readonly droppedCount: number | null;
}

/** Called on rotation (previous = the ended session) and on changes to the session. */
export type SessionListener = (session: Session, previous: Session | null) => void;

/** Configuration of `Sessions.init`. Only `serviceName` is required. */
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
  /** Outbox byte cap. Default 10 MB. */
  maxQueueBytes?: number;
  /** Outbox age cap. Default 18 h. */
  maxQueueAgeMs?: number;
}
