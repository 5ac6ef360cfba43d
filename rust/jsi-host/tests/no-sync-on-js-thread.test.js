// harness: driver rust/jsi-host/tests/drivers/sync-syscalls.js
// Everything an app does on its JS thread, including lifecycle changes (on a device those come
// from the main thread, which must not wait on the disk either), while strace records every
// fsync-like system call with its thread: argv = [storageDir, endpoint].
import { eq, ok, run, test } from './lib/check.js';

const S = globalThis.__otelSessions;
const [dir, endpoint] = __harness.argv;

test('the JS thread records, rotates, goes to the background and tears down without syncing', async () => {
  S.init({ serviceName: 'no-sync', storageDir: dir, endpoint, sessionAttributes: { 'app.flavor': 'test' } });
  for (let i = 0; i < 300; i++) S.recordEvent('tap', { i });
  S.setAttribute('screen', 'cart');
  S.setUser('user-1'); // creates the salt file
  S.recordError('TypeError', 'boom', 'at x', null);
  __harness.setAppState('background'); // saves the state, asks for an export
  __harness.setAppState('active');
  const first = S.current().id;
  S.end(); // session.end + session.start
  ok(S.current().id !== first, 'a new session');
  S.touch();
  // The async methods run off the JS thread: they may wait on the disk there.
  await S.flush(500).catch(() => {});
  S.setConsent('denied');
  S.setConsent('granted');
  await S.clearAllData();
  eq(S.consent(), 'granted', 'consent back');
  console.log('WORKLOAD DONE');
});

run();
