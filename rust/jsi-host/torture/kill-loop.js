// Torture kill loop (scripts/torture.sh runs it): the Linux JSI host runs kill-workload.js
// against a flapping loopback OTLP receiver, is SIGKILLed at a random moment, and is
// relaunched on the same storage, N times; a last "drain" launch delivers what is left once
// the receiver is calm. With --collector instead of --receiver, the backend is a real
// OpenTelemetry Collector on loopback (scripts/test-collector.sh), read back from its file
// exporter. Then what the backend holds is checked:
//   - every record a launch declared durable (DURABLE lines, printed after a flush) arrived;
//   - no sequence number was given to two different records (numbers are reused only when
//     the record holding them died in memory);
//   - every session has exactly one session.start and one session.end (the last one: a start
//     only); copies of the same event (at-least-once replays) are counted as duplicates;
//   - no record numbered above its session's final record_count;
//   - the state file is valid JSON after every kill and never quarantined;
//   - what backend/checks.js checks (stamps, resource, names, the session.previous_id chain);
//   - the backend's file holds every item it accepted, and, from the Collector, every request
//     came gzip'd protobuf and none was refused.
//
//   node kill-loop.js --host H --bundle B (--receiver R | --collector C) --out DIR [--iterations 200] [--seed 1]
// Prints a summary and writes DIR/kill-loop.json; exits 1 if a check failed.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const { checkBackend } = require('../backend/checks');
const { startCollector, wireFailures } = require('../backend/collector');
const { startReceiver } = require('../backend/receiver');

function parseArgs(argv) {
  const a = { iterations: '200', seed: '1' };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!['host', 'bundle', 'receiver', 'collector', 'out', 'iterations', 'seed'].includes(k) || argv[i + 1] === undefined) {
      throw new Error(`kill-loop: unknown or incomplete argument ${argv[i]}`);
    }
    a[k] = argv[i + 1];
  }
  for (const k of ['host', 'bundle', 'out']) if (!a[k]) throw new Error(`kill-loop: --${k} is required`);
  if (!a.receiver === !a.collector) throw new Error('kill-loop: give one of --receiver and --collector');
  a.iterations = Number(a.iterations);
  a.seed = Number(a.seed);
  return a;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

/** Runs one launch; kills it after `killAfterMs` (null: let it finish, up to 15 min). */
function launch(args, storage, mode, endpoint, seed, n, killAfterMs) {
  return new Promise((resolve) => {
    const child = spawn(args.host, [args.bundle, storage, mode, endpoint, String(seed), String(n)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '', killed = false;
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs ?? 15 * 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ lines: out.split('\n'), stderr: err + String(e), code: -1, signal: null, killed: false });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines: out.split('\n'), stderr: err, code, signal, killed });
    });
  });
}

function checkStore(storage) {
  const problems = [];
  if (fs.existsSync(path.join(storage, 'session-state.corrupt.json'))) problems.push('state quarantined');
  const state = path.join(storage, 'session-state.json');
  if (fs.existsSync(state)) {
    try {
      JSON.parse(fs.readFileSync(state, 'utf8'));
    } catch (e) {
      problems.push('state file not JSON: ' + e.message);
    }
  }
  return problems;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  fs.rmSync(args.out, { recursive: true, force: true });
  const storage = path.join(args.out, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  // Either backend is stopped whatever happens to this driver (the modules see to it).
  const backend = args.collector
    ? await startCollector(args.collector, args.out)
    : await startReceiver(args.receiver, args.out, { flapSeed: args.seed * 7919 + 1 });
  try {
    const endpoint = backend.endpoint;
    const rand = rng(args.seed);
    const durable = new Map(); // session → [[from, to]]
    const handed = new Map(); // session → Set of event numbers handed to the native side
    const failures = [];
    let recorded = 0, crashes = 0, corruptStores = 0, mismatches = 0, launches = 0;
    const note = (lines, n) => {
      let rec = 0;
      for (const l of lines) {
        const w = l.split(' ');
        if (w[0] === 'REC') rec = Number(w[1]);
        else if (w[0] === 'HANDED') {
          if (!handed.has(w[1])) handed.set(w[1], new Set());
          for (const s of w[2].split(',')) handed.get(w[1]).add(Number(s));
        }
        else if (w[0] === 'DURABLE') {
          if (!durable.has(w[1])) durable.set(w[1], []);
          durable.get(w[1]).push([Number(w[2]), Number(w[3])]);
        } else if (w[0] === 'MISMATCH') {
          mismatches++;
          failures.push(`launch ${n}: ${l}`);
        } else if (w[0] === 'ERROR') failures.push(`launch ${n}: ${l}`);
      }
      recorded += rec;
    };
    for (let n = 1; n <= args.iterations; n++) {
      const r = await launch(args, storage, 'run', endpoint, args.seed * 100_003 + n, n, 100 + rand(2400));
      launches++;
      note(r.lines, n);
      if (!(r.killed && r.signal === 'SIGKILL')) {
        crashes++;
        failures.push(`launch ${n} ended by itself (${r.code ?? r.signal}): ${r.stderr.slice(-2000)}`);
      }
      // KILL_LOOP_SNAPSHOTS=1 keeps the storage as each killed launch left it (for diagnosis).
      if (process.env.KILL_LOOP_SNAPSHOTS) fs.cpSync(storage, path.join(args.out, `after-kill-${n}`), { recursive: true });
      const p = checkStore(storage);
      if (p.length) {
        corruptStores++;
        failures.push(`after kill ${n}: ${p.join('; ')}`);
      }
      if (n % 25 === 0) console.log(`kill-loop: ${n}/${args.iterations} kills, ${recorded} records made`);
    }
    fs.cpSync(storage, path.join(args.out, 'storage-before-drain'), { recursive: true });
    if (backend.kind === 'receiver') backend.calm();
    const d = await launch(args, storage, 'drain', endpoint, args.seed, args.iterations + 1, null);
    launches++;
    note(d.lines, 'drain');
    const finalLine = d.lines.find((l) => l.startsWith('FINAL '));
    if (d.code !== 0 || !finalLine) {
      crashes += d.code === 0 ? 0 : 1;
      failures.push(`drain launch exited with ${d.code ?? d.signal}: ${d.stderr.slice(-2000)}`);
    }
    if (process.env.KILL_LOOP_HOLD) {
      console.log(`kill-loop: holding the ${backend.kind} at ${endpoint} for ${process.env.KILL_LOOP_HOLD} s`);
      await sleep(Number(process.env.KILL_LOOP_HOLD) * 1000);
    }
    fs.writeFileSync(path.join(args.out, 'drain.log'), d.lines.join('\n') + '\n' + d.stderr);
    const finalSession = finalLine ? finalLine.split(' ')[1] : null;
    // Every session the engine remembers ended must have reached the backend too.
    let history = [];
    try {
      history = JSON.parse(fs.readFileSync(path.join(storage, 'session-state.json'), 'utf8')).history.map((h) => h.id);
    } catch (e) {
      failures.push('cannot read the final state: ' + e.message);
    }
    // A stale file would look like loss: wait until the backend's file holds everything it
    // accepted (by its own count).
    let settled = null;
    try {
      settled = await backend.settle();
      if (settled.inFile !== settled.accepted) failures.push(`the ${backend.kind}'s file holds ${settled.inFile} items, but it accepted ${settled.accepted}`);
    } catch (e) {
      failures.push(`the ${backend.kind}: ${e.message}`);
    }
    if (backend.kind === 'collector' && settled) failures.push(...wireFailures(settled));
    const rx = backend.read();
    const res = analyse(rx, durable, handed, finalSession, history, failures);
    const checked = checkBackend(rx, {
      resource: { 'service.name': 'torture', 'service.version': '9', 'telemetry.sdk.language': 'rust', 'telemetry.distro.name': 'react-native-otel-sessions' },
      eventNames: ['tick'],
      spanNames: ['launch', 'work'],
    });
    failures.push(...checked.failures);
    const summary = {
      name: backend.kind === 'collector' ? 'kill loop (JSI host, OpenTelemetry Collector)' : 'kill loop (JSI host, flapping receiver)',
      iterations: args.iterations,
      launches,
      recorded,
      durable: res.durable,
      received: res.received,
      lost: res.lost,
      handed: res.handed,
      handedLost: res.handedLost,
      duplicated: res.duplicated,
      inMemoryAtKill: res.window,
      crashes,
      corruptStores,
      sessions: res.sessions,
      endReasons: res.endReasons,
      duplicateStarts: res.duplicateStarts,
      duplicateEnds: res.duplicateEnds,
      flap: rx.flap || {},
      backend: backend.kind === 'collector' ? { out: backend.out, ...settled } : undefined,
      mismatches,
      failures: failures.slice(0, 50),
      failureCount: failures.length,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    fs.writeFileSync(path.join(args.out, 'kill-loop.json'), JSON.stringify(summary, null, 2) + '\n');
    console.log(`kill-loop: ${summary.iterations} kills in ${summary.seconds} s; ${recorded} records made, ${res.durable} declared durable, ` +
      `${res.received} distinct received, ${res.lost} lost, ${res.handedLost} of ${res.handed} handed-over events lost, ${res.duplicated} duplicates, ` +
      `${res.window} never handed over (in JS memory at a kill); ` +
      `${res.sessions} sessions (${JSON.stringify(res.endReasons)})` +
      (backend.kind === 'collector' ? `; the Collector accepted ${settled?.accepted} items in ${settled?.requests} requests (${JSON.stringify(settled?.items)}), refused ${settled?.refused}` : `, receiver phases ${JSON.stringify(summary.flap)}`));
    for (const f of failures.slice(0, 20)) console.log('FAIL ' + f);
    process.exitCode = failures.length ? 1 : 0;
  } finally {
    await backend.stop();
  }
}

function analyse(rx, durable, handed, finalSession, history, failures) {
  // Records by (session, seq): each record's identity is its kind, launch and counter.
  const bySession = new Map();
  const recs = [
    ...rx.spans.map((s) => ({ a: s.attributes, id: `span ${s.name} ${s.spanId}` })),
    ...rx.logs.filter((l) => !l.eventName.startsWith('session.')).map((l) => ({ a: l.attributes, id: `log ${l.eventName} ${l.attributes.l} ${l.attributes.i} ${l.timeUnixNano}` })),
  ];
  let total = 0;
  for (const { a, id } of recs) {
    const sid = a['session.id'], seq = a['rn_otel_sessions.seq'];
    if (typeof sid !== 'string' || typeof seq !== 'number') {
      failures.push(`unstamped record ${id}`);
      continue;
    }
    total++;
    if (!bySession.has(sid)) bySession.set(sid, new Map());
    const m = bySession.get(sid);
    if (!m.has(seq)) m.set(seq, new Set());
    m.get(seq).add(id);
  }
  let received = 0;
  for (const [sid, m] of bySession) {
    for (const [seq, ids] of m) {
      received++;
      if (ids.size > 1) failures.push(`session ${sid}: seq ${seq} given to ${ids.size} different records: ${[...ids].join(' | ')}`);
    }
  }
  // session.start / session.end: copies of one event share session, time and reason.
  const events = new Map();
  for (const l of rx.logs) {
    if (l.eventName !== 'session.start' && l.eventName !== 'session.end') continue;
    const sid = l.attributes['session.id'];
    if (!events.has(sid)) events.set(sid, { start: new Map(), end: new Map() });
    const e = events.get(sid)[l.eventName === 'session.start' ? 'start' : 'end'];
    const key = `${l.timeUnixNano} ${l.attributes['rn_otel_sessions.end_reason'] ?? ''} ${l.attributes['session.previous_id'] ?? ''}`;
    e.set(key, [...(e.get(key) ?? []), l]);
  }
  let duplicateStarts = 0, duplicateEnds = 0, window = 0;
  const endReasons = {};
  const sessions = new Set([...bySession.keys(), ...events.keys(), ...durable.keys(), ...history]);
  for (const sid of sessions) {
    const e = events.get(sid) ?? { start: new Map(), end: new Map() };
    for (const copies of e.start.values()) duplicateStarts += copies.length - 1;
    for (const copies of e.end.values()) duplicateEnds += copies.length - 1;
    const wantEnds = sid === finalSession ? 0 : 1;
    if (e.start.size !== 1) failures.push(`session ${sid}: ${e.start.size} distinct session.start events`);
    if (e.end.size !== wantEnds) failures.push(`session ${sid}: ${e.end.size} distinct session.end events (expected ${wantEnds})${[...e.end.keys()].map((k) => ' [' + k + ']').join('')}`);
    const end = [...e.end.values()][0]?.[0];
    const seqs = bySession.get(sid) ?? new Map();
    if (end) {
      const reason = end.attributes['rn_otel_sessions.end_reason'];
      endReasons[reason] = (endReasons[reason] ?? 0) + 1;
      const count = end.attributes['rn_otel_sessions.record_count'];
      const over = [...seqs.keys()].filter((s) => s > count);
      if (over.length) failures.push(`session ${sid}: records numbered ${over.slice(0, 5)} after its end's record_count ${count}`);
      const claimed = durable.get(sid) ?? [];
      for (let s = 1; s <= count; s++) {
        if (!seqs.has(s) && !claimed.some(([f, t]) => s >= f && s <= t)) window++;
      }
    }
  }
  let durableCount = 0, lost = 0;
  for (const [sid, ranges] of durable) {
    const want = new Set();
    for (const [f, t] of ranges) for (let s = f; s <= t; s++) want.add(s);
    durableCount += want.size;
    const seqs = bySession.get(sid) ?? new Map();
    const missing = [...want].filter((s) => !seqs.has(s)).sort((a, b) => a - b);
    lost += missing.length;
    if (missing.length) failures.push(`session ${sid}: ${missing.length} durable records missing, e.g. seq ${missing.slice(0, 10).join(',')}`);
  }
  // Every event whose native call returned must arrive, flushed or not: the journal has it.
  let handedCount = 0, handedLost = 0;
  for (const [sid, seqs] of handed) {
    const got = bySession.get(sid) ?? new Map();
    const missing = [...seqs].filter((s) => !got.has(s)).sort((a, b) => a - b);
    handedCount += seqs.size;
    handedLost += missing.length;
    if (missing.length) failures.push(`session ${sid}: ${missing.length} events lost after their native call returned, e.g. seq ${missing.slice(0, 10).join(',')}`);
  }
  return { received, duplicated: total - received + duplicateStarts + duplicateEnds, lost, durable: durableCount, window,
    handed: handedCount, handedLost,
    sessions: sessions.size, endReasons, duplicateStarts, duplicateEnds };
}

main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
