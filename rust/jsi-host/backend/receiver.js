// Our own loopback OTLP receiver (rust/otlp-receiver, the `otlp-receiver` program) as the
// backend of an end-to-end run, with the same shape as collector.js: it stays the backend
// for fault injection (`flapSeed`: down, 503 + Retry-After, 429/502/504, slow, resets).
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the receiver `binary` with its files in `dir`; resolves once it listens, to
 *   endpoint   its base URL
 *   read()     everything it accepted so far: { spans, logs } (+ `flap`, `requests` when flapping)
 *   calm()     (flapping only) stays healthy from now on
 *   settle(ms) (flapping only) makes it write everything it holds now, then checks that the
 *              file has every item it accepted; resolves to { accepted, inFile }, or throws
 *   stop()     SIGTERM
 * It is SIGKILLed when this process exits, however it exits.
 */
async function startReceiver(binary, dir, { flapSeed } = {}) {
  const endpointFile = path.join(dir, 'endpoint');
  const out = path.join(dir, 'received.json');
  const calmFile = path.join(dir, 'calm');
  const args = ['--endpoint-file', endpointFile, '--out', out];
  if (flapSeed !== undefined) args.push('--flap', String(flapSeed), '--calm-file', calmFile);
  const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  let exited = null;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  child.on('error', (e) => (exited = `an error: ${e.message}`));
  for (let waited = 0; !fs.existsSync(endpointFile); waited += 25) {
    if (exited !== null) throw new Error(`startReceiver: cannot run the receiver ${binary}: it exited with ${exited}`);
    if (waited > 60_000) throw new Error(`startReceiver: ${binary} did not listen within 60 s`);
    await sleep(25);
  }
  const read = () => JSON.parse(fs.readFileSync(out, 'utf8'));
  async function settle(ms = 300_000) {
    if (flapSeed === undefined) throw new Error('settle: only a flapping receiver (flapSeed) writes on request');
    // A stale file would look like loss: ask for a complete one and wait for the answer.
    fs.writeFileSync(calmFile + '.sync', '');
    for (let waited = 0; !fs.existsSync(calmFile + '.synced'); waited += 100) {
      if (waited >= ms) throw new Error('the receiver never wrote its complete file (stalled)');
      await sleep(100);
    }
    const rx = read();
    return { accepted: rx.requests?.['items accepted'] ?? 0, inFile: rx.spans.length + rx.logs.length };
  }
  return {
    kind: 'receiver',
    endpoint: fs.readFileSync(endpointFile, 'utf8'),
    out,
    read,
    calm: () => fs.writeFileSync(calmFile, ''),
    settle,
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

module.exports = { startReceiver };
