// A small test runner for scripts running in the Linux JSI host. Tests run one after
// another (async ones awaited); the process exits 1 if any failed.

const tests = [];

export function test(name, fn) {
  tests.push({ name, fn });
}

export function ok(cond, message) {
  if (!cond) throw new Error('assertion failed: ' + message);
}

export function eq(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}

/** Calls fn and returns the error it throws; fails if it throws nothing or the wrong class. */
export function throws(fn, errorClass, messageStart) {
  try {
    fn();
  } catch (e) {
    if (errorClass && !(e instanceof errorClass)) {
      throw new Error(`expected ${errorClass.name}, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    }
    if (messageStart && !String(e.message).startsWith(messageStart)) {
      throw new Error(`expected a message starting '${messageStart}', got '${e.message}'`);
    }
    return e;
  }
  throw new Error('expected an exception');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves when pred() is true, polling; rejects after timeoutMs. The default is generous on
 * purpose: only a hang should fail a test, not a slow, loaded machine.
 */
export async function until(pred, what, timeoutMs = 30000) {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for ' + what);
    await sleep(5);
  }
}

export async function run() {
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      console.log(`ok   ${t.name}`);
    } catch (e) {
      failed++;
      console.error(`FAIL ${t.name}: ${e && e.message}\n${(e && e.stack) || ''}`);
    }
  }
  console.log(`${tests.length - failed} passed, ${failed} failed`);
  __harness.exit(failed ? 1 : 0);
}
