// Rotation by the engine's own timer and by app-state changes, with short timeouts.
// argv[0]: a fresh storage directory.
import { eq, ok, run, test, until, sleep } from './lib/check.js';

const S = globalThis.__otelSessions;
S.init({ serviceName: 'lifecycle', storageDir: __harness.argv[0], backgroundTimeoutMs: 100, maxDurationMs: 60000 });

test('a background timeout ends the session on time; the next starts at foreground', async () => {
  const changes = [];
  const id = S.subscribe((s, p) => changes.push({ s, p }));
  const first = S.current();
  __harness.setAppState('background');
  await until(() => S.history().length === 2, 'the timer to end the session');
  const h = S.history();
  eq(h[0].id, first.id, 'the first session ended');
  eq(h[0].endReason, 'background_timeout', 'by the background timeout');
  await sleep(300);
  eq(S.history().length, 2, 'an idle app in the background does not produce more sessions');
  __harness.setAppState('active');
  const next = S.current();
  eq(next.previousId, first.id, 'linked');
  await until(() => changes.some((c) => c.s.id === next.id), 'a change notification');
  S.unsubscribe(id);
});

test('a short background keeps the session', async () => {
  // "Short" is measured: on a slow, loaded machine the 20 ms sleep can stretch past the
  // 100 ms background timeout, and then the session rightly ends; such an attempt is retried.
  for (let attempt = 1; ; attempt++) {
    const s = S.current();
    const began = performance.now();
    __harness.setAppState('background');
    await sleep(20);
    __harness.setAppState('active');
    const away = performance.now() - began; // at least the time the engine saw in the background
    if (away < 90) {
      eq(S.current().id, s.id, 'same session');
      return;
    }
    ok(attempt < 50, `no background shorter than 90 ms in 50 attempts (the last: ${away} ms)`);
  }
});

run();
