// Torture kill loop, one launch: an app recording at a high rate through the public API
// (Sessions and the OpenTelemetry JS bridge), with app-state changes, manual ends and
// background timeouts, until kill-loop.js SIGKILLs it. Run in the Linux JSI host.
//
//   argv: <storageDir> <run|drain> <endpoint> <seed> <launch>
//
// stdout lines (read by kill-loop.js):
//   READY <session>                 init done
//   REC <n>                         records made so far in this launch
//   DURABLE <session> <from> <to>   records <from>..<to> of <session> are on disk (after a flush)
//   HANDED <session> <seq,seq,...>  events whose native call has returned (no flush): a kill
//                                   must not lose them (they are in the native journal)
//   MISMATCH <text>                 the app's own count disagreed with a stamped span (a bug)
//   FINAL <session> <json stats>    (drain) the current session, never ended; everything delivered
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Sessions } from 'react-native-otel-sessions';
import { SessionSpanExporter, SessionSpanProcessor } from 'react-native-otel-sessions/opentelemetry';

const h = globalThis.__harness;
const [storageDir, mode, endpoint, seedArg, launch] = h.argv;
let seed = (Number(seedArg) >>> 0) || 1;
const rand = (n) => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SEQ = 'rn_otel_sessions.seq';

Sessions.init({ serviceName: 'torture', serviceVersion: '9', storageDir, endpoint, backgroundTimeoutMs: 1500 });
h.setAppState('active');
const tracing = new BasicTracerProvider({
  spanProcessors: [new SessionSpanProcessor(), new BatchSpanProcessor(new SessionSpanExporter(), { scheduledDelayMillis: 200 })],
});
const tracer = tracing.getTracer('torture');

// The app's own bookkeeping of its session's numbers: `sid` is the session of the last record,
// `count` its number, `from` the first number this launch gave in that session.
let sid = null, count = 0, from = 1, made = 0, i = 0;
// Events handed to the native side since the last HANDED line: session → numbers.
let handed = new Map();

function span(name) {
  const s = tracer.startSpan(name, { attributes: { l: Number(launch), i: ++i } });
  const id = s.attributes['session.id'], seq = s.attributes[SEQ];
  if (id === sid) {
    if (seq !== count + 1) console.log(`MISMATCH span ${name} in ${id}: seq ${seq}, expected ${count + 1}`);
  } else {
    if (sid !== null && seq !== 1) console.log(`MISMATCH span ${name} opened ${id} at seq ${seq}`);
    sid = id;
    from = seq;
  }
  count = seq;
  made++;
  s.end();
}

function event() {
  Sessions.recordEvent('tick', { l: Number(launch), i: ++i });
  made++;
  // A record's session is the current one right after it (expiry is checked before a record).
  // The event is handed to the native side at the end of this JS task (a microtask, or at
  // once every 128 events): run() declares it handed over only after that.
  const id = Sessions.current().id;
  if (id === sid) {
    count++;
  } else {
    sid = id;
    count = 1;
    from = 1;
  }
  if (!handed.has(sid)) handed.set(sid, []);
  handed.get(sid).push(count);
}

function reportHanded() {
  for (const [id, seqs] of handed) console.log(`HANDED ${id} ${seqs.join(',')}`);
  handed = new Map();
}

async function checkpoint() {
  const cp = { sid, from, count };
  await tracing.forceFlush(); // JS spans → exportSpans → the native pipeline
  await Sessions.flush(1).catch(() => {}); // writes to disk first; the upload may time out
  if (cp.sid !== null && cp.count >= cp.from) console.log(`DURABLE ${cp.sid} ${cp.from} ${cp.count}`);
}

async function run() {
  span('launch'); // learns the session's next number (a resumed session continues its count)
  console.log(`READY ${sid}`);
  let background = false;
  for (let burst = 0; ; burst++) {
    const n = 5 + rand(40);
    for (let k = 0; k < n; k++) event();
    // The library's hand-over is a microtask queued by the first event: it has run, and its
    // native call returned, once this await resumes.
    await Promise.resolve();
    reportHanded();
    if (rand(4) === 0) span('work');
    console.log(`REC ${made}`);
    if (burst % 3 === 2) await checkpoint();
    const r = rand(100);
    if (r < 6) {
      background = !background;
      h.setAppState(background ? 'background' : 'active');
    } else if (r < 8) {
      Sessions.end();
    } else if (r < 9) {
      // Long enough in the background for the session to time out.
      await checkpoint();
      h.setAppState('background');
      await sleep(1600);
      h.setAppState('active');
      background = false;
    }
    if (rand(5) === 0) Sessions.setAttribute('screen', 's' + rand(8));
    await sleep(rand(15));
  }
}

async function drain() {
  const ended = Sessions.end(); // the session of the last killed launch (or the one started now) ends
  const final = Sessions.current().id;
  let delivered = false;
  for (let k = 0; k < 40 && !delivered; k++) {
    delivered = await Sessions.flush(15000).then(() => true, () => false);
  }
  console.log(`FINAL ${final} ${JSON.stringify({ delivered, ended: ended.previousId, history: Sessions.history().length })}`);
  h.setAppState('background');
  h.exit(delivered ? 0 : 3);
}

(mode === 'drain' ? drain() : run()).catch((e) => {
  console.log('ERROR ' + (e && e.stack ? e.stack : e));
  h.exit(2);
});
