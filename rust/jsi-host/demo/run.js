// `npm run demo` (scripts/demo.sh builds the parts, then runs this): the app day of app-day.ts
// in the Linux JSI host, twice (the first launch is SIGKILLed mid-session), exporting over
// OTLP/HTTP to an embedded loopback receiver, to a real OpenTelemetry Collector started on
// loopback (--collector, its file exporter's output then read back), or to --endpoint. Then
// it prints the session timeline and writes a self-contained HTML page with an SVG picture.
//
//   node rust/jsi-host/demo/run.js --host H --bundle B --out DIR
//        (--receiver R | --collector C | --endpoint URL) [--check yes]
//
// --check yes (used by `npm test`): also fails unless the timeline is the one the script makes
// and the backend holds what it must (backend/checks.js; with --collector, every request was
// gzip'd protobuf and accepted, as the Collector's own metrics count them).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const { buildTimeline, printTimeline } = require('./timeline');
const { renderHtml } = require('./timeline-html');
const { startReceiver } = require('../backend/receiver');
const { startCollector, wireFailures } = require('../backend/collector');
const { checkBackend } = require('../backend/checks');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['host', 'bundle', 'receiver', 'collector', 'out', 'endpoint', 'check'].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`demo: unknown or incomplete argument ${argv[i]}`);
    }
    args[key] = argv[i + 1];
  }
  for (const k of ['host', 'bundle', 'out']) if (!args[k]) throw new Error(`demo: --${k} is required`);
  const backends = ['receiver', 'collector', 'endpoint'].filter((k) => args[k] !== undefined);
  if (backends.length !== 1) throw new Error(`demo: give exactly one of --receiver, --collector and --endpoint (got ${backends.length})`);
  if (args.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(args.endpoint)) {
    throw new Error(`demo: --endpoint must be an http(s) URL such as http://localhost:4318; got ${args.endpoint}`);
  }
  return args;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, ms, what) {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Runs one launch; `killWhen(lines)` may ask for a SIGKILL. Resolves to its stdout lines. */
function runLaunch(args, storage, launch, endpoint, killWhen) {
  return new Promise((resolve, reject) => {
    const child = spawn(args.host, [args.bundle, storage, launch, endpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let buffered = '';
    let killed = false;
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop();
      lines.push(...parts);
      if (!killed && killWhen && killWhen(lines)) {
        killed = true;
        setTimeout(() => {
          lines.push('DEMO ' + JSON.stringify({ t: Date.now(), launch, kind: 'kill', label: 'process SIGKILLed' }));
          child.kill('SIGKILL');
        }, 250);
      }
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (e) => reject(new Error(`demo: cannot run the JSI host ${args.host}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (buffered) lines.push(buffered);
      if (signal === 'SIGKILL' && killed) resolve(lines);
      else if (code === 0) resolve(lines);
      else reject(new Error(`demo: the ${launch} launch exited with ${code ?? signal}\n${stderr}`));
    });
  });
}

/** The timeline the app day must produce; throws on the first difference. */
function check(t) {
  const reasons = t.sessions.map((s) => s.endReason);
  const want = ['background_timeout', 'manual', 'abnormal_termination', 'manual', null];
  if (JSON.stringify(reasons) !== JSON.stringify(want)) {
    throw new Error(`demo check: end reasons ${JSON.stringify(reasons)}, expected ${JSON.stringify(want)}`);
  }
  t.sessions.forEach((s, i) => {
    if (i > 0 && s.previousId !== t.sessions[i - 1].id) throw new Error(`demo check: session ${i + 1} does not chain to ${i}`);
  });
  if (t.sessions[4].exported !== false) throw new Error('demo check: the unsampled session was exported');
  for (const s of t.sessions.slice(0, 4)) {
    const b = s.backend;
    if (!b || !b.startReceived || !b.endReceived || b.missing.length > 0 || b.received !== b.expected) {
      throw new Error(`demo check: session ${s.index} is not complete at the backend: ${JSON.stringify(b)}`);
    }
  }
  if (t.sessions[3].backend.received !== 5) throw new Error('demo check: the upsampled session lost its held records');
  console.log('\ndemo check: ok (5 sessions, their end reasons and chain, every exported session complete)');
}

/** What the backend holds beyond the timeline (backend/checks.js); throws on failures. */
function checkReceived(received, wire) {
  const { failures, sessions } = checkBackend(received, {
    resource: {
      'service.name': 'demo-shop',
      'service.version': '1.4.2',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'rust',
      'telemetry.distro.name': 'react-native-otel-sessions',
    },
    eventNames: ['screen.view', 'product.tap', 'checkout.submit', 'scroll', 'exception', 'support.open'],
    spanNames: ['app.start', 'checkout.load', 'GET /cart'],
  });
  if (sessions !== 4) failures.push(`the backend holds records of ${sessions} sessions, expected 4 (the 5th is unsampled)`);
  if (wire) failures.push(...wireFailures(wire));
  if (failures.length) throw new Error(`demo check: the backend's data is wrong:\n  ${failures.join('\n  ')}`);
  const how = wire ? `; ${wire.accepted} items in ${wire.requests} gzip'd protobuf requests, all accepted by the Collector` : '';
  console.log(`demo check: ok (every record stamped, one resource, the app's names, sessions chained by session.previous_id${how})`);
}

async function startBackend(args) {
  if (args.receiver) return startReceiver(args.receiver, args.out);
  if (args.collector) return startCollector(args.collector, args.out);
  return null;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.rmSync(args.out, { recursive: true, force: true });
  const storage = path.join(args.out, 'app-storage');
  fs.mkdirSync(storage, { recursive: true });
  const backend = await startBackend(args);
  const endpoint = args.endpoint ?? backend.endpoint;
  const label = { receiver: ' (embedded receiver)', collector: ' (OpenTelemetry Collector on loopback)' }[backend?.kind] ?? '';
  console.log(`demo: an app day in two launches, exporting to ${endpoint}${label}`);
  if (process.env.OTEL_SESSIONS_DEMO_FAIL === 'after-receiver') {
    // Test hook (scripts/test-fresh-setup.sh): die the hard way with the receiver running, as an
    // unhandled error once did, to prove that scripts/demo.sh still stops everything it started.
    process.nextTick(() => { throw new Error('demo: failing on purpose (OTEL_SESSIONS_DEMO_FAIL)'); });
    await new Promise(() => {});
  }
  try {
    const first = await runLaunch(args, storage, 'first', endpoint, (lines) => lines.some((l) => l.includes('"kind":"kill-ready"')));
    const second = await runLaunch(args, storage, 'second', endpoint);
    const lines = [...first, ...second];
    const steps = lines.filter((l) => l.startsWith('DEMO ')).map((l) => JSON.parse(l.slice(5)));
    const historyLine = lines.find((l) => l.startsWith('HISTORY '));
    if (!historyLine) throw new Error('demo: the second launch printed no history');
    const history = JSON.parse(historyLine.slice(8));
    let received = null;
    let wire = null;
    if (backend?.kind === 'receiver') {
      // Delivery is asynchronous: give the last exports a moment to land.
      const expected = history.filter((h) => h.endReason !== null).length;
      const ends = () => backend.read().logs.filter((l) => l.eventName === 'session.end').length;
      await waitFor(() => ends() >= Math.min(expected, 3), 10_000, 'session.end events at the receiver').catch(() => {});
      await sleep(300);
      received = backend.read();
    } else if (backend?.kind === 'collector') {
      // The last launch flushed: the Collector has accepted everything; wait for its file.
      wire = await backend.settle();
      received = backend.read();
    }
    const timeline = buildTimeline({ steps, history, received });
    const source = backend?.kind === 'collector' ? "The Collector's file exporter wrote" : 'The embedded receiver decoded';
    printTimeline(timeline, endpoint, source);
    const html = path.resolve(args.out, 'timeline.html');
    fs.writeFileSync(html, renderHtml(timeline, endpoint));
    fs.writeFileSync(path.join(args.out, 'timeline.json'), JSON.stringify(timeline, null, 2));
    if (args.check) {
      check(timeline);
      checkReceived(received, wire);
    }
    console.log(`\nTimeline picture: ${html}`);
    console.log(`(open it in a browser; the data behind it is ${path.resolve(args.out, 'timeline.json')})`);
    if (backend?.kind === 'collector') {
      await backend.stop();
      console.log(`\nThe Collector's output (file exporter, OTLP JSON, one export request per line): ${path.resolve(backend.out)}`);
      console.log(`Its log: ${path.resolve(backend.log)}`);
    }
  } finally {
    await backend?.stop();
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
