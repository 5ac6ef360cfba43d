// harness: driver rust/jsi-host/tests/drivers/storage-lock.js
// One process per storage directory, with real processes (the driver starts this file three
// times on one directory): argv = [storageDir, role, ...].
//   hold    inits, records, writes to disk, says HELD <id>; waits for <dir>.go, records more,
//           checks its session is untouched and says STILL <id>; then idles until killed.
//   second  init while 'hold' lives: an Error naming the directory and the other process;
//           the library stays uninitialised in this process.
//   after   init once the holder was SIGKILLed: succeeds; the holder's session ended as after
//           any kill (abnormal_termination).
import { eq, ok, run, test, throws, until } from './lib/check.js';

const S = globalThis.__otelSessions;
const [dir, role, heldId] = __harness.argv;
const config = { serviceName: 'storage-lock', storageDir: dir, endpoint: 'http://127.0.0.1:9' };

if (role === 'hold') {
  test('the holder records and waits', async () => {
    S.init(config);
    const id = S.current().id;
    for (let i = 0; i < 20; i++) S.recordEvent('held.work', { i });
    await S.flush(1).catch(() => {}); // to disk; the endpoint refuses, so delivery times out
    console.log('HELD ' + id);
    await until(() => __harness.readFile(dir + '.go') !== undefined, 'the go signal', 120000);
    for (let i = 0; i < 20; i++) S.recordEvent('held.more', { i });
    eq(S.current().id, id, 'the holder keeps its session after the refused init');
    const ended = S.history().filter((r) => r.endTime !== null && r.id === id);
    eq(ended.length, 0, 'nobody ended the holder session');
    console.log('STILL ' + id);
    await new Promise(() => setInterval(() => S.touch(), 50)); // until SIGKILL
  });
} else if (role === 'second') {
  test('a second process gets an Error naming the directory and the holder', () => {
    const e = throws(() => S.init(config), Error, 'Sessions.init: the storage directory');
    ok(!(e instanceof TypeError) && !(e instanceof RangeError), 'a plain Error: ' + e.constructor.name);
    ok(e.message.includes("'" + dir + "'"), 'names the directory: ' + e.message);
    ok(/in use by another process \(pid \d+\)/.test(e.message), 'says another process holds it: ' + e.message);
    ok(e.message.includes('storageDir'), 'says the fix: ' + e.message);
    throws(() => S.current(), Error, 'Sessions.current: called before init');
    console.log('REFUSED ' + e.message);
  });
} else if (role === 'after') {
  test('once the holder died, init succeeds and ends its session as after a kill', () => {
    S.init(config);
    const ended = S.history().find((r) => r.id === heldId);
    ok(ended, 'the holder session is in the history: ' + JSON.stringify(S.history()));
    eq(ended.endReason, 'abnormal_termination', 'ended as after a kill in the foreground');
    ok(S.current().id !== heldId, 'a new session');
    eq(S.current().previousId, heldId, 'linked to the killed one');
    console.log('AFTER ' + S.current().id);
  });
} else {
  throw new Error('storage-lock.test.js: unknown role ' + role);
}

run();
