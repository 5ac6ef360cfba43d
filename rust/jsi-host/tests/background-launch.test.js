// A launch into the background (a silent push, a background fetch): the platform glue reports
// the background through the C ABI (ots_app_background) before JavaScript calls init, as
// ios/OTSAppLifecycle does while the module is created. The session must count its background
// timeout from the launch, with no foreground ever seen. (foreground-launch.test.js is the
// opposite case.) argv[0]: a fresh storage directory.
import { eq, ok, run, test, until } from './lib/check.js';

const TIMEOUT_MS = 300;
const S = globalThis.__otelSessions;
__harness.setAppState('background');
const launched = Date.now();
S.init({ serviceName: 'background-launch', storageDir: __harness.argv[0], backgroundTimeoutMs: TIMEOUT_MS, maxDurationMs: 600000 });

test('a background launch ends its session by background_timeout, counted from the launch', async () => {
  const first = S.current(); // reading the session is not activity
  // Ignoring the state would start the session in the foreground, where it never expires by
  // the background timeout: this wait then fails (10 s is 33 times the timeout).
  await until(() => S.history().some((r) => r.id === first.id && r.endReason), 'the background timeout to end the launch session', 10000);
  const detected = Date.now();
  const ended = S.history().find((r) => r.id === first.id);
  eq(ended.endReason, 'background_timeout', 'the end reason');
  ok(detected - launched >= TIMEOUT_MS, `not ended before the timeout (${detected - launched} ms after the launch)`);
  // The session's real end is its last activity: the launch itself, nothing later.
  ok(ended.endTime - ended.startTime < TIMEOUT_MS, `the end is the launch (${ended.endTime - ended.startTime} ms after the start)`);
  ok(Math.abs(ended.startTime - launched) < 1000, 'the session started at the launch');
});

test('the first foreground after it starts the linked successor', () => {
  const ended = S.history().find((r) => r.endReason === 'background_timeout');
  __harness.setAppState('active');
  const next = S.current();
  ok(next.id !== ended.id, 'a new session');
  eq(next.previousId, ended.id, 'linked to the launch session');
});

run();
