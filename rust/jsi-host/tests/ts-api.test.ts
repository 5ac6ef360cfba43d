// The public TypeScript API end to end in a real jsi::Runtime, against the real engine and
// telemetry: what an app's JavaScript sees. argv[0]: a fresh storage directory.
import { Sessions, type Session } from 'react-native-otel-sessions';

import { eq, ok, run, test, throws, until, sleep } from './lib/check.js';

const dir = (globalThis as unknown as { __harness: { argv: string[] } }).__harness.argv[0]!;
const harness = (globalThis as unknown as { __harness: { setAppState(s: string): void } }).__harness;

test('before init, the API says to call init', () => {
  throws(() => Sessions.current(), Error, 'Sessions.current: call Sessions.init(config) first');
});

test('a bad config is a TypeError naming the field', () => {
  throws(() => Sessions.init({ serviceName: 'ts', storageDir: dir, backgroundTimeoutMs: -1 }), RangeError, 'Sessions.init: config.backgroundTimeoutMs');
});

let first: Session;
test('init, then reads are plain cached snapshots', () => {
  Sessions.init({ serviceName: 'ts-api', storageDir: dir, backgroundTimeoutMs: 150, sessionAttributes: { 'app.flavor': 'e2e' } });
  first = Sessions.current();
  ok(/^[0-9a-f]{32}$/.test(first.id), 'an id');
  ok(Sessions.current() === first, 'the same object while nothing changes');
  eq(first.attributes, { 'app.flavor': 'e2e' }, 'initial attributes');
});

test('end() chains previousId and notifies subscribers', async () => {
  const seen: Array<[string, string | null]> = [];
  const unsubscribe = Sessions.subscribe((s, p) => seen.push([s.id, p ? p.id : null]));
  const second = Sessions.end();
  const third = Sessions.end();
  eq(second.previousId, first.id, 'second links to first');
  eq(third.previousId, second.id, 'third links to second');
  await until(() => seen.some(([id]) => id === third.id), 'a notification for the third session');
  unsubscribe();
});

test('attributes through the TS API reach the engine and the cache', () => {
  Sessions.setAttribute('cart.items', 2);
  eq(Sessions.current().attributes['cart.items'], 2, 'cached at once');
  Sessions.removeAttribute('cart.items');
  ok(!('cart.items' in Sessions.current().attributes), 'removed');
  throws(() => Sessions.setAttribute('k', Number.NaN), TypeError, 'Sessions.setAttribute:');
  Sessions.setUser('user-7');
  ok(/^[0-9a-f]{64}$/.test(String(Sessions.current().attributes['user.hash'])), 'hashed user');
});

/** Goes to the background until the timer ends the session; a subscriber must see it. */
async function rotateInTheBackground(what: string): Promise<Session> {
  const before = Sessions.current();
  const rotations: string[] = [];
  const unsubscribe = Sessions.subscribe((s, p) => {
    if (p && p.id === before.id && s.id !== before.id) rotations.push(s.id);
  });
  harness.setAppState('background');
  await until(() => rotations.length > 0, what);
  harness.setAppState('active');
  await sleep(20);
  unsubscribe();
  return before;
}

test('rotation by the background timeout, seen by a subscriber through the TS API', async () => {
  const before = await rotateInTheBackground('the timer to end the session');
  const after = Sessions.current();
  eq(after.previousId, before.id, 'the new session links to the ended one');
  const h = Sessions.history();
  eq(h[h.length - 2]!.endReason, 'background_timeout', 'ended by the background timeout');
});

test('a second init keeps the engine\'s notifications reaching subscribers', async () => {
  // The native init replaces the handle that held the first subscription.
  Sessions.init({ serviceName: 'ts-api', storageDir: dir, backgroundTimeoutMs: 150 });
  await rotateInTheBackground('the timer\'s rotation, notified after the second init');
});

test('events, errors, consent and flush', async () => {
  Sessions.recordEvent('cart.checkout', { total: 12.5 });
  Sessions.recordError(new TypeError('x is undefined'), { screen: 'cart' });
  Sessions.recordError('a string was thrown');
  Sessions.setConsent('pending');
  eq(Sessions.consent(), 'pending', 'consent');
  Sessions.setConsent('granted');
  await Sessions.flush(1000);
});

test('recordEvent: checked at once, recorded in order before the next call (end) takes effect', async () => {
  throws(() => Sessions.recordEvent(''), RangeError, "Sessions.recordEvent: argument 'name' must be 1 to 256 bytes");
  throws(() => Sessions.recordEvent('x', { 'session.id': 'a' }), TypeError, "Sessions.recordEvent: attribute key 'session.id' uses a reserved prefix");
  throws(() => Sessions.recordEvent('x', { k: NaN }), TypeError, "Sessions.recordEvent: attribute 'k' must be");
  const before = Sessions.end(); // a fresh session with a known count
  for (let i = 0; i < 300; i++) Sessions.recordEvent('burst', { i }); // over the 128 hand-over size
  Sessions.recordEvent('last');
  const after = Sessions.end(); // same JS task: every event above belongs to `before`
  const record = Sessions.history().find((h) => h.id === before.id)!;
  eq(record.recordCount, 301, "all 301 events counted in the session they were recorded in");
  ok(after.previousId === before.id, 'chained');
  // 128 events of 60 attributes of 400 characters: over 1 MiB in one hand-over, so it is split.
  const big: Record<string, string> = {};
  for (let i = 0; i < 60; i++) big[`k${i}`] = 'x'.repeat(400);
  const third = Sessions.end();
  for (let i = 0; i < 128; i++) Sessions.recordEvent('big', big);
  Sessions.end();
  eq(Sessions.history().find((h) => h.id === third.id)!.recordCount, 128, 'a batch over 1 MiB is split, nothing lost');
  Sessions.recordEvent('in the next task');
  await sleep(5);
  await Sessions.flush(1000);
});

run();
