// A real OpenTelemetry Collector (scripts/collector, built by scripts/build-collector.sh) as
// the backend of an end-to-end run: started on free loopback ports with
// scripts/collector/test-config.yaml, its file exporter's OTLP JSON read back in the shape of
// our own receiver's JSON (otlp-file.js), and its own metrics read from its Prometheus
// endpoint. The Collector is stopped on every exit path of the Node process that started it.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const { readFileExport } = require('./otlp-file');

const CONFIG = path.resolve(__dirname, '../../../scripts/collector/test-config.yaml');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A loopback TCP port that was free a moment ago (the kernel's choice). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Parses the Prometheus text format into { 'name{labels}': value }. */
function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?(?:\{.*\})?)\s+(\S+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Sums every series of `name` whose labels include all of `labels`. */
function sumMetric(metrics, name, labels = {}) {
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

// Every Collector this process started, killed when the process exits however it exits.
const running = new Set();
let hooked = false;
function stopAllOnExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[signal]);
    });
  }
}

async function startOnce(binary, dir) {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const out = path.join(dir, 'collector-output.json');
  const log = path.join(dir, 'collector.log');
  fs.rmSync(out, { force: true });
  const logFd = fs.openSync(log, 'w');
  const child = spawn(binary, ['--config', CONFIG], {
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, RNOS_COLLECTOR_PORT: String(port), RNOS_COLLECTOR_OUT: out, RNOS_COLLECTOR_METRICS_PORT: String(metricsPort) },
  });
  fs.closeSync(logFd);
  running.add(child);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = code ?? signal;
    running.delete(child);
  });
  child.on('error', (e) => {
    exited = `an error: ${e.message}`;
    running.delete(child);
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  // Ready once both its own metrics endpoint answers and its OTLP port accepts connections.
  for (let waited = 0; waited < 60_000; waited += 50) {
    if (exited !== null) return { failed: `exited with ${exited}: ${fs.readFileSync(log, 'utf8').slice(-2000)}` };
    const ok = await fetch(metricsUrl).then((r) => r.ok, () => false);
    if (ok && (await canConnect(port))) {
      return { child, endpoint: `http://127.0.0.1:${port}`, out, log, metricsUrl, exitedCode: () => exited };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  return { failed: `did not listen within 60 s: ${fs.readFileSync(log, 'utf8').slice(-2000)}` };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Starts the Collector `binary` with its output in `dir`; resolves once it listens, to
 *   endpoint      the OTLP/HTTP base URL (http://127.0.0.1:PORT)
 *   out           the file exporter's output (one OTLP JSON export request per line)
 *   read()        that output as { spans, logs } in the shape of our receiver's JSON
 *   metrics()     the Collector's own metrics, { 'name{labels}': value }
 *   settle(ms)    waits until the output holds every item the Collector accepted; resolves
 *                 to { accepted, inFile, refused, requests, items } (`items`: spans and log
 *                 records by the "Content-Encoding Content-Type" of their request, and
 *                 `requests` the number of requests, both counted by wirecount), or throws
 *   stop()        SIGTERM (the file exporter flushes), SIGKILL after 10 s; idempotent
 * A port taken between choosing and binding is retried with other ports (3 tries); a
 * Collector that cannot start throws with the end of its log.
 */
async function startCollector(binary, dir) {
  if (!fs.existsSync(binary)) throw new Error(`startCollector: no Collector at ${binary} (build it with scripts/build-collector.sh)`);
  stopAllOnExit();
  let started;
  for (let attempt = 1; attempt <= 3; attempt++) {
    started = await startOnce(binary, dir);
    if (!started.failed) break;
  }
  if (started.failed) throw new Error(`startCollector: the Collector ${started.failed}`);
  const { child, endpoint, out, log, metricsUrl } = started;
  const metrics = async () => parseMetrics(await (await fetch(metricsUrl)).text());
  const read = () => readFileExport(out);
  async function settle(ms = 30_000) {
    let last = null;
    for (let waited = 0; ; waited += 100) {
      const m = await metrics();
      const accepted = sumMetric(m, 'otelcol_receiver_accepted_spans') + sumMetric(m, 'otelcol_receiver_accepted_log_records');
      const refused = sumMetric(m, 'otelcol_receiver_refused_spans') + sumMetric(m, 'otelcol_receiver_refused_log_records');
      const rx = read();
      const inFile = rx.spans.length + rx.logs.length;
      const items = {};
      for (const [key, value] of Object.entries(m)) {
        if (!key.startsWith('rnos_wire_items{')) continue;
        const enc = /content_encoding="([^"]*)"/.exec(key)[1];
        const type = /content_type="([^"]*)"/.exec(key)[1];
        items[`${enc} ${type}`] = (items[`${enc} ${type}`] ?? 0) + value;
      }
      const requests = sumMetric(m, 'rnos_wire_requests');
      last = { accepted, inFile, refused, requests, items };
      if (inFile === accepted) return last;
      if (waited >= ms) throw new Error(`collector: its output holds ${inFile} items but it accepted ${accepted} (${JSON.stringify(last)}); log: ${log}`);
      await sleep(100);
    }
  }
  let stopping = null;
  function stop() {
    if (stopping) return stopping;
    stopping = new Promise((resolve) => {
      if (started.exitedCode() !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  }
  return { kind: 'collector', endpoint, out, log, read, metrics, settle, stop };
}

/**
 * What is wrong with how the library's requests reached the Collector, given `settle()`'s
 * result: every item must have come in gzip-compressed protobuf (`Content-Encoding: gzip`,
 * `Content-Type: application/x-protobuf`), been accepted and none refused. [] when all is well.
 */
function wireFailures({ accepted, refused, requests, items }) {
  const failures = [];
  const want = 'gzip application/x-protobuf';
  if (accepted === 0 || requests === 0) failures.push('the Collector accepted nothing');
  for (const [how, n] of Object.entries(items)) {
    if (how !== want) failures.push(`${n} items came with Content-Encoding and Content-Type "${how}", not "${want}"`);
  }
  if ((items[want] ?? 0) !== accepted) failures.push(`${items[want] ?? 0} items came gzip'd protobuf, but the Collector accepted ${accepted}`);
  if (refused !== 0) failures.push(`the Collector refused ${refused} items`);
  return failures;
}

module.exports = { startCollector, wireFailures, parseMetrics, sumMetric };
