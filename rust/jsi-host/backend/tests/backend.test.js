// Tests of the end-to-end checks themselves (scripts/test-collector.sh runs them with
// `node --test`): each check must fail on the fault it is there to catch, the file exporter's
// OTLP JSON must read back as our receiver's JSON, and the wire check must see a request that
// was not gzip'd protobuf. The last two run against the real Collector: COLLECTOR=<binary>.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const zlib = require('node:zlib');

const { checkBackend } = require('../checks');
const { startCollector, wireFailures } = require('../collector');

const A = 'a'.repeat(32), B = 'b'.repeat(32);
const RESOURCE = { 'service.name': 'shop', 'service.version': '1' };
const EXPECT = { resource: RESOURCE, eventNames: ['tap'], spanNames: ['load'] };

/** Two chained sessions, as a backend would hold them: A (start, tap, load, end) → B (start, tap). */
function good() {
  const log = (eventName, attributes) => ({ eventName, attributes, resource: { ...RESOURCE } });
  return {
    spans: [{ name: 'load', spanId: '01', attributes: { 'session.id': A, 'rn_otel_sessions.seq': 2 }, resource: { ...RESOURCE } }],
    logs: [
      log('session.start', { 'session.id': A }),
      log('tap', { 'session.id': A, 'rn_otel_sessions.seq': 1 }),
      log('session.end', { 'session.id': A, 'rn_otel_sessions.record_count': 2 }),
      log('session.start', { 'session.id': B, 'session.previous_id': A }),
      log('session.start', { 'session.id': B, 'session.previous_id': A, 'rn_otel_sessions.replayed': true }),
      log('tap', { 'session.id': B, 'rn_otel_sessions.seq': 1 }),
    ],
  };
}

test('checkBackend accepts two chained sessions, a replayed start included', () => {
  assert.deepEqual(checkBackend(good(), EXPECT), { failures: [], sessions: 2, roots: 1 });
});

const faults = {
  'a record without session.id': (rx) => delete rx.logs[1].attributes['session.id'],
  'a span without rn_otel_sessions.seq': (rx) => delete rx.spans[0].attributes['rn_otel_sessions.seq'],
  'another service.name': (rx) => (rx.logs[5].resource['service.name'] = 'other'),
  'a second resource': (rx) => (rx.spans[0].resource['host.arch'] = 'arm64'),
  'an unknown event name': (rx) => (rx.logs[1].eventName = 'tapp'),
  'an unknown span name': (rx) => (rx.spans[0].name = 'loadd'),
  'a session without session.start': (rx) => rx.logs.splice(0, 1),
  'a previous_id whose session did not end': (rx) => rx.logs.splice(2, 1),
  'two first sessions': (rx) => {
    delete rx.logs[3].attributes['session.previous_id'];
    delete rx.logs[4].attributes['session.previous_id'];
  },
  'replayed starts that disagree': (rx) => (rx.logs[4].attributes['session.previous_id'] = B),
  'nothing at all': (rx) => {
    rx.spans = [];
    rx.logs = [];
  },
};
for (const [name, mutate] of Object.entries(faults)) {
  test(`checkBackend catches ${name}`, () => {
    const rx = good();
    mutate(rx);
    const { failures } = checkBackend(rx, EXPECT);
    assert.ok(failures.length > 0, `no failure for ${name}`);
  });
}

test('wireFailures: only gzip protobuf, all accepted, none refused, passes', () => {
  const ok = { accepted: 3, refused: 0, requests: 2, items: { 'gzip application/x-protobuf': 3 } };
  assert.deepEqual(wireFailures(ok), []);
  assert.equal(wireFailures({ ...ok, items: { 'gzip application/x-protobuf': 2, 'none application/x-protobuf': 1 } }).length, 2);
  assert.equal(wireFailures({ ...ok, refused: 1 }).length, 1);
  assert.equal(wireFailures({ accepted: 0, refused: 0, requests: 0, items: {} }).length, 1);
});

const collector = process.env.COLLECTOR;
const skipCollector = collector ? false : 'COLLECTOR (the binary) is not set';

test('startCollector names the fix when the binary is missing', async () => {
  await assert.rejects(startCollector('/nonexistent/otelcol', os.tmpdir()), /build it with scripts\/build-collector.sh/);
});

// One OTLP/JSON request of each signal, with every kind of attribute value.
const value = {
  s: { stringValue: 'x' }, i: { intValue: '42' }, d: { doubleValue: 2.5 }, b: { boolValue: false },
  bytes: { bytesValue: Buffer.from([1, 2, 255]).toString('base64') },
  arr: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }] } },
  map: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } },
};
const kv = Object.entries(value).map(([key, v]) => ({ key, value: v }));
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'probe' } }] };
const logsRequest = {
  resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'sc', version: '2' }, logRecords: [
    { timeUnixNano: '1700000000000000001', severityNumber: 17, severityText: 'ERROR', eventName: 'probe.event',
      body: { stringValue: 'hello' }, attributes: kv, traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708' },
  ] }] }],
};
const tracesRequest = {
  resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'sc' }, spans: [
    { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '1112131415161718', parentSpanId: '2122232425262728', name: 'probe.span',
      kind: 3, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001000000000', attributes: kv,
      events: [{ name: 'ev', timeUnixNano: '1700000000500000000', attributes: [{ key: 'n', value: { intValue: '1' } }] }],
      status: { code: 2, message: 'bad' } },
  ] }] }],
};
const converted = { s: 'x', i: 42, d: 2.5, b: false, bytes: [1, 2, 255], arr: ['a', 7], map: { k: true } };

async function post(endpoint, signal, body, gzip) {
  const raw = Buffer.from(JSON.stringify(body));
  const headers = { 'Content-Type': 'application/json', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) };
  const res = await fetch(`${endpoint}/v1/${signal}`, { method: 'POST', headers, body: gzip ? zlib.gzipSync(raw) : raw });
  assert.equal(res.status, 200, `POST /v1/${signal}: ${res.status} ${await res.text()}`);
}

test('the real Collector: its file export reads back as the receiver JSON, and wirecount sees the headers', { skip: skipCollector }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnos-collector-test-'));
  const c = await startCollector(collector, dir);
  try {
    await post(c.endpoint, 'logs', logsRequest, true);
    await post(c.endpoint, 'traces', tracesRequest, false);
    const settled = await c.settle(10_000);
    assert.deepEqual(settled, {
      accepted: 2, inFile: 2, refused: 0, requests: 2,
      items: { 'gzip application/json': 1, 'none application/json': 1 },
    });
    // Not gzip'd protobuf: the check the end-to-end tests rely on must say so.
    assert.equal(wireFailures(settled).length, 3);
    const rx = c.read();
    const scope = (version) => ({ name: 'sc', version });
    assert.deepEqual(rx.logs, [{
      eventName: 'probe.event', body: 'hello', severityNumber: 17, severityText: 'ERROR',
      timeUnixNano: 1700000000000000001, observedTimeUnixNano: 0,
      traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708',
      attributes: converted, resource: { 'service.name': 'probe' }, scope: scope('2'),
    }]);
    assert.deepEqual(rx.spans, [{
      name: 'probe.span', traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '1112131415161718', parentSpanId: '2122232425262728',
      kind: 3, startTimeUnixNano: 1700000000000000000, endTimeUnixNano: 1700000001000000000, attributes: converted,
      events: [{ name: 'ev', timeUnixNano: 1700000000500000000, attributes: { n: 1 } }],
      statusCode: 2, statusMessage: 'bad', resource: { 'service.name': 'probe' }, scope: scope(''),
    }]);
  } finally {
    await c.stop();
    await c.stop(); // idempotent
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
