// What a backend must hold of the library's telemetry, checked on the JSON of either backend
// (our receiver's, or the Collector's file export read by otlp-file.js), spans and logs both:
//   - every record carries `session.id`, and every record but session.start/session.end an
//     integer `rn_otel_sessions.seq`;
//   - every record has the resource the app configured, and all of them the same resource;
//   - every log record's event name, and every span's name, is one the app made;
//   - sessions chain: each session.start names, as `session.previous_id`, a session whose
//     session.end arrived; exactly one session has none (the first); copies of one start
//     (at-least-once replays after a kill) agree.
// Sequence numbers against `record_count` are checked where the expected loss is known: the
// demo's timeline (timeline.js) and the kill loop (torture/kill-loop.js), on the same JSON.
'use strict';

const SESSION_EVENTS = new Set(['session.start', 'session.end']);
const ID = /^[0-9a-f]{32}$/;

/**
 * Checks `rx` ({ spans, logs }) against `expect`:
 *   resource    attributes every record's resource must have, e.g. { 'service.name': 'shop' }
 *   eventNames  the app's event names (session.start and session.end are always allowed)
 *   spanNames   the app's span names
 * Returns { failures: string[], sessions, roots }; at most 5 failures of each kind are listed.
 */
function checkBackend(rx, { resource, eventNames, spanNames }) {
  const failures = [];
  const limited = new Map();
  const fail = (kind, text) => {
    const n = (limited.get(kind) ?? 0) + 1;
    limited.set(kind, n);
    if (n <= 5) failures.push(text);
    else if (n === 6) failures.push(`${kind}: more of the same`);
  };
  const records = [...rx.spans.map((r) => ({ r, what: `span ${r.name}` })), ...rx.logs.map((r) => ({ r, what: `log ${r.eventName}` }))];
  if (records.length === 0) failures.push('the backend holds nothing');

  const firstResource = records.length ? canonical(records[0].r.resource) : null;
  for (const { r, what } of records) {
    const sid = r.attributes['session.id'];
    if (typeof sid !== 'string' || !ID.test(sid)) fail('session.id', `${what} carries no session.id (32 hex): ${JSON.stringify(sid)}`);
    const seq = r.attributes['rn_otel_sessions.seq'];
    const isSessionEvent = r.eventName !== undefined && SESSION_EVENTS.has(r.eventName);
    if (!isSessionEvent && !(Number.isInteger(seq) && seq >= 1)) fail('seq', `${what} in ${sid} carries no rn_otel_sessions.seq: ${JSON.stringify(seq)}`);
    for (const [k, v] of Object.entries(resource)) {
      if (r.resource[k] !== v) fail(`resource ${k}`, `${what}: resource ${k} is ${JSON.stringify(r.resource[k])}, expected ${JSON.stringify(v)}`);
    }
    if (canonical(r.resource) !== firstResource) fail('resource', `${what}: resource ${canonical(r.resource)} differs from ${firstResource}`);
  }
  const events = new Set(eventNames);
  for (const l of rx.logs) {
    if (!SESSION_EVENTS.has(l.eventName) && !events.has(l.eventName)) fail('event name', `unexpected event name ${JSON.stringify(l.eventName)}`);
  }
  const spans = new Set(spanNames);
  for (const s of rx.spans) if (!spans.has(s.name)) fail('span name', `unexpected span name ${JSON.stringify(s.name)}`);

  // The chain of sessions, from their session.start and session.end events.
  const previous = new Map(); // session → set of previous ids its start copies name ('' = none)
  const ended = new Set();
  for (const l of rx.logs) {
    const sid = l.attributes['session.id'];
    if (l.eventName === 'session.end') ended.add(sid);
    if (l.eventName !== 'session.start') continue;
    if (!previous.has(sid)) previous.set(sid, new Set());
    previous.get(sid).add(l.attributes['session.previous_id'] ?? '');
  }
  const seen = new Set(records.map(({ r }) => r.attributes['session.id']));
  for (const sid of seen) if (!previous.has(sid)) fail('session.start', `session ${sid}: no session.start`);
  let roots = 0;
  const successor = new Map();
  for (const [sid, prevs] of previous) {
    if (prevs.size !== 1) {
      fail('session.previous_id', `session ${sid}: its session.start copies disagree on session.previous_id: ${[...prevs].join(', ')}`);
      continue;
    }
    const [prev] = prevs;
    if (prev === '') {
      roots++;
      continue;
    }
    if (prev === sid) fail('session.previous_id', `session ${sid} names itself as session.previous_id`);
    else if (!ended.has(prev)) fail('session.previous_id', `session ${sid}: its session.previous_id ${prev} has no session.end at the backend`);
    if (successor.has(prev)) fail('session.previous_id', `sessions ${successor.get(prev)} and ${sid} both continue ${prev}`);
    successor.set(prev, sid);
  }
  if (previous.size > 0 && roots !== 1) failures.push(`${roots} sessions without session.previous_id, expected exactly 1 (the first)`);
  return { failures, sessions: seen.size, roots };
}

function canonical(attrs) {
  return JSON.stringify(Object.keys(attrs ?? {}).sort().map((k) => [k, attrs[k]]));
}

module.exports = { checkBackend };
