import type { NativeBinding } from '../NativeBinding';
import type { Attributes, AttributeValue, Consent, Session, SessionRecord, SessionsConfig } from '../types';
import { checkAttributes, checkEventName, checkKey, checkValue } from '../validate';

/** A v4 UUID in simple form, shaped like the native ids (not cryptographic: tests only). */
function randomId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) {
    const nibble = Math.floor(Math.random() * 16);
    id += (i === 12 ? 4 : i === 16 ? 8 + (nibble & 3) : nibble).toString(16);
  }
  return id;
}

/**
 * An in-memory binding with the library's semantics, used automatically under Jest when no
 * native module exists, so components using `useSession` can be tested. Differences from
 * the native engine: no timers (sessions rotate only through `end()`), nothing is persisted
 * or exported (the bridge's exporters succeed and discard), and `flush` resolves at once.
 */
export function createMockBinding(): NativeBinding {
  let initialized = false;
  let initial: Attributes = {};
  let consent: Consent = 'granted';
  let session: Session | null = null;
  const history: SessionRecord[] = [];
  let records = 0; // records counted in the current session (their sequence numbers)
  const listeners = new Map<number, (s: Session, p: Session | null) => void>();
  let nextId = 1;

  const need = (method: string): Session => {
    if (!initialized || !session) throw new Error(`Sessions.${method}: called before init`);
    return session;
  };
  const emit = (next: Session, previous: Session | null) => {
    Promise.resolve().then(() => listeners.forEach((l) => l(next, previous)));
  };
  const replace = (next: Session, previous: Session | null) => {
    if (next.id !== previous?.id) records = 0;
    session = next;
    emit(next, previous);
    return next;
  };
  const start = (previousId: string | null): Session => ({
    id: randomId(),
    previousId,
    startTime: Date.now(),
    attributes: { ...initial },
    sampled: true,
  });

  return {
    init(config: SessionsConfig) {
      if (typeof config !== 'object' || config === null) {
        throw new TypeError("Sessions.init: argument 'config' must be an object such as { serviceName: 'my-app' }");
      }
      if (typeof config.serviceName !== 'string' || config.serviceName.trim() === '') {
        throw new TypeError('Sessions.init: config.serviceName must be a non-empty string');
      }
      if (config.consent !== undefined && !['granted', 'pending', 'denied'].includes(config.consent)) {
        throw new TypeError("Sessions.init: config.consent must be 'granted', 'pending' or 'denied'");
      }
      if (config.sampleRate !== undefined && !(config.sampleRate >= 0 && config.sampleRate <= 1)) {
        throw new RangeError('Sessions.init: config.sampleRate must be a number from 0 to 1');
      }
      if (initialized) return;
      initial = {};
      for (const [k, v] of Object.entries(config.sessionAttributes ?? {})) {
        checkValue('init', checkKey('init', k), v);
        initial[k] = v;
      }
      consent = config.consent ?? 'granted';
      initialized = true;
      session = start(null);
    },
    current: () => need('current'),
    end() {
      const old = need('end');
      history.push({ id: old.id, previousId: old.previousId, startTime: old.startTime, endTime: Date.now(), endReason: 'manual', recordCount: records, droppedCount: 0 });
      return replace(start(old.id), old);
    },
    touch() {
      need('touch');
    },
    setAttribute(key, value) {
      const s = need('setAttribute');
      const k = checkKey('setAttribute', key);
      checkValue('setAttribute', k, value);
      const v: AttributeValue = value;
      replace({ ...s, attributes: { ...s.attributes, [k]: v } }, s);
    },
    removeAttribute(key) {
      const s = need('removeAttribute');
      const k = checkKey('removeAttribute', key);
      if (!(k in s.attributes)) return;
      const attributes = { ...s.attributes };
      delete attributes[k];
      replace({ ...s, attributes }, s);
    },
    setUser(id) {
      const s = need('setUser');
      if (id !== null && (typeof id !== 'string' || id === '')) {
        throw new TypeError("Sessions.setUser: argument 'id' must be a non-empty string, or null");
      }
      const attributes = { ...s.attributes };
      if (id === null) delete attributes['user.hash'];
      else attributes['user.hash'] = `mock-hash-of-${id}`;
      replace({ ...s, attributes }, s);
    },
    recordEvent(name, attributes) {
      need('recordEvent');
      checkEventName('recordEvent', name);
      checkAttributes('recordEvent', attributes);
      records++;
    },
    recordEvents(batch) {
      need('recordEvents');
      for (const [name, attributes] of batch) {
        checkEventName('recordEvent', name);
        checkAttributes('recordEvent', attributes);
        records++;
      }
    },
    recordError() {
      need('recordError');
      records++;
    },
    setConsent(c) {
      need('setConsent');
      if (!['granted', 'pending', 'denied'].includes(c)) {
        throw new TypeError("Sessions.setConsent: argument 'consent' must be 'granted', 'pending' or 'denied'");
      }
      consent = c;
    },
    consent: () => consent,
    history() {
      const s = need('history');
      return [...history, { id: s.id, previousId: s.previousId, startTime: s.startTime, endTime: null, endReason: null, recordCount: null, droppedCount: null }];
    },
    flush: async () => {
      need('flush');
    },
    async clearAllData() {
      const old = need('clearAllData');
      history.length = 0;
      replace(start(null), old); // links to nothing erased
    },
    subscribe(listener) {
      const id = nextId++;
      listeners.set(id, listener);
      return id;
    },
    unsubscribe(id) {
      listeners.delete(id);
    },
    stamp() {
      const s = need('stamp');
      return [s.id, ++records];
    },
    async exportSpans(spans) {
      need('exportSpans');
      if (!Array.isArray(spans)) throw new TypeError('Sessions.exportSpans: spans must be an array');
      return spans.length;
    },
    async exportLogs(logs) {
      need('exportLogs');
      if (!Array.isArray(logs)) throw new TypeError('Sessions.exportLogs: logs must be an array');
      return logs.length;
    },
  };
}
