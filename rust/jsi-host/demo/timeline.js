// The demo's session timeline: what the app knew (Sessions.history(), the steps it printed)
// joined with what the backend received (the embedded receiver's decoded records), per session.
'use strict';

const RECORD_EVENTS = new Set(['session.start', 'session.end']);

function attr(record, key) {
  return record.attributes ? record.attributes[key] : undefined;
}

/** What the backend has of one session: its start/end events and its numbered records. */
function backendView(received, id) {
  const logs = received.logs.filter((l) => attr(l, 'session.id') === id);
  const start = logs.find((l) => l.eventName === 'session.start') ?? null;
  const end = logs.find((l) => l.eventName === 'session.end') ?? null;
  const records = [...received.spans.filter((s) => attr(s, 'session.id') === id), ...logs.filter((l) => !RECORD_EVENTS.has(l.eventName))];
  const seqs = records.map((r) => attr(r, 'rn_otel_sessions.seq')).filter((s) => typeof s === 'number');
  const distinct = [...new Set(seqs)].sort((a, b) => a - b);
  const expected = end ? attr(end, 'rn_otel_sessions.record_count') : null;
  const missing = [];
  if (typeof expected === 'number') {
    const have = new Set(distinct);
    for (let i = 1; i <= expected; i++) if (!have.has(i)) missing.push(i);
  }
  return {
    startReceived: start !== null,
    endReceived: end !== null,
    endReason: end ? attr(end, 'rn_otel_sessions.end_reason') : null,
    replayed: end ? attr(end, 'rn_otel_sessions.replayed') === true : false,
    expected,
    received: distinct.length,
    duplicates: seqs.length - distinct.length,
    missing,
    spans: records.filter((r) => r.spanId !== undefined).length,
  };
}

/**
 * Joins the app's view and the backend's: one entry per session with its start, end, reason,
 * records and, when a receiver was embedded, what arrived and whether it is complete.
 */
function buildTimeline({ steps, history, received }) {
  const t0 = Math.min(steps[0]?.t ?? Infinity, history[0]?.startTime ?? Infinity);
  const t1 = Math.max(...steps.map((s) => s.t), ...history.map((h) => h.endTime ?? 0));
  const sessions = history.map((h, i) => {
    const backend = received ? backendView(received, h.id) : null;
    return {
      index: i + 1,
      id: h.id,
      previousId: h.previousId,
      start: h.startTime - t0,
      end: h.endTime === null ? null : h.endTime - t0,
      endReason: h.endReason,
      recordCount: h.recordCount,
      // What the app recorded (the steps'): a kill loses records not yet on disk.
      recorded: steps.filter((s) => s.session === h.id).reduce((n, s) => n + (s.records ?? 0), 0),
      droppedCount: h.droppedCount,
      exported: backend ? backend.startReceived || backend.received > 0 : null,
      backend,
      steps: steps.filter((s) => s.session === h.id).map((s) => ({ ...s, t: s.t - t0 })),
    };
  });
  const background = [];
  let since = null;
  for (const s of steps) {
    if (s.kind === 'background' && since === null) since = s.t - t0;
    if ((s.kind === 'foreground' || s.kind === 'kill') && since !== null) {
      background.push([since, s.t - t0]);
      since = null;
    }
  }
  if (since !== null) background.push([since, t1 - t0]);
  return {
    duration: t1 - t0,
    sessions,
    background,
    marks: steps.filter((s) => ['launch', 'kill'].includes(s.kind)).map((s) => ({ kind: s.kind, t: s.t - t0, label: s.label })),
    steps: steps.map((s) => ({ ...s, t: s.t - t0 })),
    received: received ? { spans: received.spans.length, logs: received.logs.length } : null,
  };
}

const short = (id) => (id ? id.slice(0, 8) : '-');
const secs = (ms) => (ms === null ? '   now' : `${(ms / 1000).toFixed(2).padStart(6)}`);

function completeness(s) {
  const b = s.backend;
  if (!b) return 'sent to the endpoint (its contents are not visible to the demo)';
  if (!s.exported) return 'not sampled: nothing exported, by design';
  if (!b.endReceived) return s.end === null ? `${b.received} so far (session open)` : 'end event not received yet';
  const dup = b.duplicates ? `, ${b.duplicates} duplicate(s) after the kill` : '';
  const lost = s.recorded > b.expected ? `; ${s.recorded - b.expected} still in memory at the kill were lost` : '';
  if (b.missing.length === 0) return `complete: ${b.received}/${b.expected}${dup}${lost}`;
  return `${b.received}/${b.expected}: missing #${b.missing.join(', #')}${dup}`;
}

/** Prints the timeline as text; `source` introduces the backend's record counts. */
function printTimeline(t, endpoint, source = 'The embedded receiver decoded') {
  console.log(`\nSessions (times from the first launch; endpoint ${endpoint})\n`);
  console.log(' #  session   previous  start s   end s  ended by               recorded  counted  at the backend');
  for (const s of t.sessions) {
    console.log(
      `${String(s.index).padStart(2)}  ${short(s.id)}  ${short(s.previousId).padEnd(8)}  ${secs(s.start)}  ${secs(s.end)}  ${(s.endReason ?? '(current)').padEnd(21)}  ${String(s.recorded).padStart(8)}  ${String(s.recordCount ?? '-').padStart(7)}  ${completeness(s)}`,
    );
  }
  console.log('\nWhat happened');
  for (const step of t.steps) {
    if (step.kind === 'event') continue;
    console.log(`  ${secs(step.t)} s  [${step.launch}] ${step.label}${step.session ? `  (session ${short(step.session)})` : ''}`);
  }
  const events = t.steps.filter((s) => s.kind === 'event').length;
  console.log(`  … and ${events} recorded events (in the picture).`);
  console.log('\n"recorded": records the app made in the session; "counted": the engine\'s durable count, which');
  console.log('session.end reports; "at the backend": numbered records received, against that count.');
  if (t.received) console.log(`\n${source} ${t.received.spans} spans and ${t.received.logs} log records.`);
}

module.exports = { buildTimeline, printTimeline, completeness };
