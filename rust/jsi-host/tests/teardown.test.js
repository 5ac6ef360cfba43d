// Run twice on the same storage: argv[1] = 'first' writes the session id to stdout;
// 'second' checks the runtime teardown released the library cleanly (the session resumes).
import { eq, ok, run, test } from './lib/check.js';

const S = globalThis.__otelSessions;
S.init({ serviceName: 'teardown', storageDir: __harness.argv[0] });

test('a relaunch after a clean runtime teardown resumes the session', () => {
  const id = S.current().id;
  ok(/^[0-9a-f]{32}$/.test(id), 'a session');
  if (__harness.argv[1] === 'first') {
    console.log('SESSION ' + id);
    S.subscribe(() => {}); // left subscribed: the teardown must release it
  } else {
    eq(id, __harness.argv[2], 'same session after the teardown');
  }
});

run();
