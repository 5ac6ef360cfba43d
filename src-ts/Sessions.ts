import { getNativeBinding } from './getNativeBinding';
import type { NativeBinding, QueuedEvent } from './NativeBinding';
import type {
  Attributes,
  AttributeValue,
  Consent,
  Session,
  SessionListener,
  SessionRecord,
  SessionsConfig,
} from './types';
import { checkEventName, copyAttributes } from './validate';

/**
 * Longest a cached session is served without asking the engine. Reads are plain JS property
 * reads; the engine's change notifications refresh the cache, and this bound catches an
 * expiry that only a read would detect (a timer frozen in the background).
 */
const MAX_CACHE_AGE_MS = 1000;

let binding: NativeBinding | null = null;
/** Whether the binding's change notifications feed `adopt` (see `attach`). */
let attached = false;
/** Events recorded in this JS task, handed over together at its end (see recordEvent). */
let queued: QueuedEvent[] = [];
/** Handed over at once when this many are queued. */
const MAX_QUEUED_EVENTS = 128;
let snapshot: Session | null = null;
let snapshotAt = 0;
const listeners = new Set<SessionListener>();

function ready(method: string): NativeBinding {
  if (!binding) {
    throw new Error(
      `Sessions.${method}: call Sessions.init(config) first, once, early in your app (for example in index.js)`,
    );
  }
  if (!attached) attach(binding);
  if (queued.length > 0) drainEvents();
  return binding;
}

/**
 * Feeds the binding's change notifications to `adopt`. Done at the first call that needs the
 * library rather than in `init`: the native start runs off the JS thread after `init`
 * returns, and this is the first wait for it. `current()` comes first so that a failed start
 * throws its own message (a subscription can only say that the library is not running).
 */
function attach(b: NativeBinding): void {
  const first = b.current();
  b.subscribe((session, previous) => adopt(session, previous));
  attached = true;
  adopt(first);
}

/** Runs `fn` at the end of the current JS task. */
const later: (fn: () => void) => void = (() => {
  const q = (globalThis as { queueMicrotask?: (fn: () => void) => void }).queueMicrotask;
  return typeof q === 'function' ? q.bind(globalThis) : (fn: () => void) => void Promise.resolve().then(fn);
})();

/** Hands the queued events to the native side (which records them in order, off this thread). */
function drainEvents(): void {
  if (queued.length === 0 || !binding) return;
  const batch = queued;
  queued = [];
  handOver(binding, batch);
}

/** One call per batch, halved while over the binding's 1 MiB argument limit (one checked event
 * is at most about 270 KB, so halving always ends). */
function handOver(b: NativeBinding, batch: QueuedEvent[]): void {
  try {
    b.recordEvents(batch, batch.length);
  } catch (e) {
    if (!(e instanceof RangeError) || batch.length < 2) throw e;
    const half = Math.ceil(batch.length / 2);
    handOver(b, batch.slice(0, half));
    handOver(b, batch.slice(half));
  }
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b;
}

function sameSession(a: Session, b: Session): boolean {
  if (a.id !== b.id || a.previousId !== b.previousId || a.startTime !== b.startTime || a.sampled !== b.sampled) {
    return false;
  }
  const keys = Object.keys(a.attributes);
  if (keys.length !== Object.keys(b.attributes).length) return false;
  for (const k of keys) if (!sameValue(a.attributes[k], b.attributes[k])) return false;
  return true;
}

/** The cached snapshot, if younger than MAX_CACHE_AGE_MS. */
function cached(): Session | null {
  return snapshot !== null && Date.now() - snapshotAt <= MAX_CACHE_AGE_MS ? snapshot : null;
}

/**
 * Makes `next` the cached snapshot, keeping the old object when nothing changed (so hooks do
 * not re-render), and tells listeners, later, when something did.
 */
function adopt(next: Session, previous?: Session | null): Session {
  const old = snapshot;
  snapshotAt = Date.now();
  if (old && sameSession(old, next)) return old;
  const fresh: Session = Object.freeze({ ...next, attributes: Object.freeze({ ...next.attributes }) });
  snapshot = fresh;
  if (listeners.size === 0) return fresh; // nobody to tell (and no microtask to schedule)
  const prev = previous !== undefined ? previous : old;
  Promise.resolve().then(() => {
    if (snapshot !== fresh) return; // superseded before delivery
    for (const listener of [...listeners]) {
      try {
        listener(fresh, prev);
      } catch (e) {
        // One listener's bug must not silence the others; report it as uncaught.
        setTimeout(() => {
          throw e;
        }, 0);
      }
    }
  });
  return fresh;
}

function normalizeError(error: unknown): { type: string; message: string; stack: string | null } {
  if (error instanceof Error) {
    return { type: error.name || 'Error', message: String(error.message), stack: error.stack ?? null };
  }
  if (typeof error === 'string') return { type: 'Error', message: error, stack: null };
  let message: string;
  try {
    message = typeof error === 'object' && error !== null ? JSON.stringify(error) : String(error);
  } catch {
    message = Object.prototype.toString.call(error);
  }
  const type = typeof error === 'object' && error !== null ? (error.constructor?.name ?? 'Object') : typeof error;
  return { type, message: message ?? String(error), stack: null };
}

/**
 * Sessions for your app's telemetry. Call {@link Sessions.init} once, early; then every span,
 * log and event recorded through the library carries the current session.
 *
 * @example
 * ```ts
 * import { Sessions } from 'react-native-otel-sessions';
 * Sessions.init({ serviceName: 'shop', endpoint: 'https://collector.example.com:4318' });
 * const { id } = Sessions.current();
 * ```
 */
export const Sessions = {
  /**
   * Starts the library: the engine resumes or starts a session at once. Call once, early.
   * A later call checks its config and keeps the running instance. Returns once the config is
   * checked and the storage directory is locked; the native start goes on off the JS thread,
   * and the first call that needs it (usually `current()`) waits for what is left of it.
   * @throws TypeError or RangeError naming the config field, e.g.
   *   `Sessions.init: config.sampleRate must be a number from 0 to 1; got 2`.
   * @throws Error listing the fixes when the native module is missing.
   * @example Sessions.init({ serviceName: 'shop', backgroundTimeoutMs: 5 * 60_000 });
   */
  init(config: SessionsConfig): void {
    const b = getNativeBinding();
    b.init(config);
    binding = b;
    // A native init replaces the handle its subscriptions belonged to: attach again.
    attached = false;
    if (listeners.size > 0) attach(b); // they asked to hear of the first session
  },

  /**
   * The current session, synchronously. Reading does not count as activity.
   * @throws Error if `init` was not called.
   * @example const { id } = Sessions.current(); // show it on a support screen
   */
  current(): Session {
    // The hot path: a cached snapshot younger than MAX_CACHE_AGE_MS (implies init was called).
    const hit = cached();
    if (hit) return hit;
    const b = ready('current');
    return cached() ?? adopt(b.current()); // the first call attached, which read the session
  },

  /**
   * Ends the current session (reason `manual`, e.g. on sign-out) and returns the new one,
   * which starts at once with only the configured `sessionAttributes`.
   * @example await signOut(); Sessions.end();
   */
  end(): Session {
    return adopt(ready('end').end());
  },

  /**
   * Records user activity: starts a pending session and resets the inactivity timeout.
   * @example onPress={() => { Sessions.touch(); openCart(); }}
   */
  touch(): void {
    ready('touch').touch();
  },

  /**
   * Sets an attribute on the current session; stamped on all its later telemetry and kept
   * by the sessions that follow it by expiry.
   * @throws TypeError or RangeError naming the key and the limit broken.
   * @example Sessions.setAttribute('user.tier', 'gold');
   */
  setAttribute(key: string, value: AttributeValue): void {
    const b = ready('setAttribute');
    b.setAttribute(key, value);
    adopt(b.current());
  },

  /**
   * Removes an attribute from the current session.
   * @example Sessions.removeAttribute('cart.id');
   */
  removeAttribute(key: string): void {
    const b = ready('removeAttribute');
    b.removeAttribute(key);
    adopt(b.current());
  },

  /**
   * Sets or clears the user. Telemetry carries only `user.hash`, a salted SHA-256 of the id.
   * @example Sessions.setUser(account.id); // and Sessions.setUser(null) on sign-out
   */
  setUser(id: string | null): void {
    const b = ready('setUser');
    b.setUser(id);
    adopt(b.current());
  },

  /**
   * Records an event (an OpenTelemetry log record with an event name) in the current session.
   * The name and attributes are checked at once (errors are thrown here); the event keeps this
   * moment as its time and is handed to the native side at the end of the current JS task, in
   * order, before any other call of this API takes effect.
   * @throws TypeError or RangeError naming the argument and the limit broken.
   * @example Sessions.recordEvent('cart.checkout', { items: 3, total: 42.5 });
   */
  recordEvent(name: string, attributes?: Attributes): void {
    if (!binding) ready('recordEvent');
    checkEventName('recordEvent', name);
    // Checked here, so errors are thrown now (and copied: the app may change its object before
    // the hand-over); recorded natively at the end of this JS task (or at once after
    // MAX_QUEUED_EVENTS), before any other call of this API runs.
    queued.push([name, copyAttributes('recordEvent', attributes), Date.now()]);
    if (queued.length >= MAX_QUEUED_EVENTS) drainEvents();
    else if (queued.length === 1) later(drainEvents);
  },

  /**
   * Records an error as an `exception` event. An unsampled session becomes sampled, with its
   * recent records, when `errorSampling` is configured.
   * @example try { pay(); } catch (e) { Sessions.recordError(e, { screen: 'checkout' }); }
   */
  recordError(error: unknown, attributes?: Attributes): void {
    const b = ready('recordError');
    const e = normalizeError(error);
    if (attributes === undefined) b.recordError(e.type, e.message, e.stack);
    else b.recordError(e.type, e.message, e.stack, attributes);
  },

  /**
   * Changes consent: 'granted' uploads, 'pending' records to disk without uploading,
   * 'denied' records nothing and deletes what was stored.
   * @example Sessions.setConsent(userAccepted ? 'granted' : 'denied');
   */
  setConsent(consent: Consent): void {
    ready('setConsent').setConsent(consent);
  },

  /**
   * The consent in force.
   * @example if (Sessions.consent() === 'pending') showConsentBanner();
   */
  consent(): Consent {
    return ready('consent').consent();
  },

  /**
   * Erases everything the library stored (queued telemetry, history, the user salt) and
   * starts a fresh session.
   * @example await Sessions.clearAllData();
   */
  async clearAllData(): Promise<void> {
    const b = ready('clearAllData');
    await b.clearAllData();
    adopt(b.current());
  },

  /**
   * Writes what is in memory to disk and waits (up to `timeoutMs`, default 10 s) for
   * delivery. Rejects with an Error on timeout; the data stays queued.
   * @example await Sessions.flush(3000);
   */
  flush(timeoutMs?: number): Promise<void> {
    const b = ready('flush');
    return timeoutMs === undefined ? b.flush() : b.flush(timeoutMs);
  },

  /**
   * Calls `listener(session, previous)` after every change: a rotation (previous = the ended
   * session) or a change of the current one. Calls arrive asynchronously. Returns the
   * function that unsubscribes.
   * @example const unsubscribe = Sessions.subscribe((s) => console.log('session', s.id));
   */
  subscribe(listener: SessionListener): () => void {
    if (typeof listener !== 'function') {
      throw new TypeError("Sessions.subscribe: argument 'listener' must be a function");
    }
    listeners.add(listener);
    if (binding && !attached) attach(binding);
    return () => {
      listeners.delete(listener);
    };
  },

  /**
   * Recent sessions, oldest first; the current one last, with null end fields.
   * @example const last = Sessions.history().at(-2);
   */
  history(): SessionRecord[] {
    return ready('history').history();
  },
};

/**
 * For the OpenTelemetry bridge (not public API): a record starts. Counts as activity and
 * returns the session it belongs to and its sequence number in that session, or null before
 * `init` or when the native start failed (the record is then left unstamped rather than
 * failing the app).
 */
export function stampRecord(): { id: string; seq: number; attributes: Attributes } | null {
  if (!binding) return null;
  let stamp: [string, number];
  let s: Session;
  try {
    const b = ready('stamp');
    stamp = b.stamp();
    s = snapshot && snapshot.id === stamp[0] ? snapshot : adopt(b.current());
  } catch {
    // The native start failed after `init` returned (every call says so): unstamped, as
    // before `init`, rather than an exception inside the app's tracing.
    return null;
  }
  const [id, seq] = stamp;
  // A rotation between the two calls (another thread) leaves the session's attributes out.
  return { id, seq, attributes: s.id === id ? s.attributes : {} };
}

/** For the OpenTelemetry bridge (not public API): the binding, or the "call init" error. */
export function bridgeBinding(method: string): NativeBinding {
  return ready(method);
}

/** Forgets all state (tests only). */
export function resetSessionsForTests(): void {
  binding = null;
  attached = false;
  queued = [];
  snapshot = null;
  snapshotAt = 0;
  listeners.clear();
}
