// The opposite of background-launch.test.js: launched in the foreground (the state the glue
// reports before init), the session does not expire by the background timeout however long it
// stays idle, until the app goes to the background. argv[0]: a fresh storage directory.
import { eq, ok, run, test, sleep, until } from './lib/check.js';

const TIMEOUT_MS = 300;
const S = globalThis.__otelSessions;
__harness.setAppState('active');
S.init({ serviceName: 'foreground-launch', storageDir: __harness.argv[0], backgroundTimeoutMs: TIMEOUT_MS, maxDurationMs: 600000 });

test('a foreground launch keeps its session past the background timeout', async () => {
  const first = S.current();
  await sleep(3 * TIMEOUT_MS);
  eq(S.current().id, first.id, 'the same session');
  ok(!S.history().some((r) => r.endReason), 'no session ended');
});

test('the timeout then counts from entering the background', async () => {
  const first = S.current();
  const left = Date.now();
  __harness.setAppState('background');
  await until(() => S.history().some((r) => r.id === first.id && r.endReason), 'the background timeout', 10000);
  const ended = S.history().find((r) => r.id === first.id);
  eq(ended.endReason, 'background_timeout', 'the end reason');
  ok(Date.now() - left >= TIMEOUT_MS, 'not before the timeout');
});

run();
