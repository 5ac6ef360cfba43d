// Every binding operation through real JSI, against the real engine and telemetry.
// argv[0]: a fresh storage directory.
import { eq, ok, run, test, throws, until, sleep } from './lib/check.js';

const S = globalThis.__otelSessions;
const dir = __harness.argv[0];

test('calls before init say to call init', () => {
  throws(() => S.current(), Error, 'Sessions.current: called before init');
});

test('init refuses a bad config with a TypeError naming the field', () => {
  throws(() => S.init(), TypeError, "Sessions.init: argument 'config' must be an object");
  throws(() => S.init({ serviceName: 'x', storageDir: dir, maxDurationMs: -1 }), RangeError, 'Sessions.init: config.maxDurationMs');
  throws(() => S.init({ serviceName: 'x', storageDir: dir, consent: 'yes' }), TypeError, 'Sessions.init: config.consent');
  throws(() => S.init({ serviceName: 'x', storageDir: dir, backgroundTimeoutMS: 1 }), TypeError, 'Sessions.init: config.backgroundTimeoutMS is not a known option; did you mean');
});

let first;
test('init starts a session at once', () => {
  S.init({ serviceName: 'binding-tests', storageDir: dir, sessionAttributes: { 'app.flavor': 'test' } });
  first = S.current();
  ok(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/.test(first.id), 'id is a v4 UUID in simple form (32 lowercase hex)');
  eq(first.previousId, null, 'first session has no previous id');
  ok(Math.abs(first.startTime - Date.now()) < 60000, 'startTime is epoch ms');
  eq(first.attributes, { 'app.flavor': 'test' }, 'initial attributes');
  eq(first.sampled, true, 'sampled by default');
});

test('attributes: set, change, remove; values keep their types', () => {
  S.setAttribute('cart.items', 3);
  S.setAttribute('cart.total', 9.5);
  S.setAttribute('vip', true);
  S.setAttribute('tags', ['a', 'b']);
  eq(S.current().attributes, { 'app.flavor': 'test', 'cart.items': 3, 'cart.total': 9.5, tags: ['a', 'b'], vip: true }, 'attributes');
  S.removeAttribute('tags');
  ok(!('tags' in S.current().attributes), 'removed');
  throws(() => S.setAttribute('session.id', 'x'), TypeError, 'Sessions.setAttribute:');
  throws(() => S.setAttribute('k', 'x'.repeat(5000)), RangeError, 'Sessions.setAttribute:');
});

test('end() starts a new session linked to the old one, with initial attributes', () => {
  const next = S.end();
  eq(next.previousId, first.id, 'previousId');
  eq(next.attributes, { 'app.flavor': 'test' }, 'attributes reset on a manual end');
  const h = S.history();
  eq(h.length, 2, 'history: one ended, one current');
  eq(h[0].id, first.id, 'ended session');
  eq(h[0].endReason, 'manual', 'end reason');
  eq(h[1].endTime, null, 'current is open');
});

test('events, errors, users and consent', () => {
  S.touch();
  S.recordEvent('cart.checkout', { total: 12.5 });
  S.recordEvent('no.attributes');
  S.recordError('TypeError', 'x is undefined', 'at f (app.js:1:1)', { screen: 'cart' });
  S.setUser('user-42');
  ok(/^[0-9a-f]{64}$/.test(S.current().attributes['user.hash']), 'user.hash is a SHA-256, not the id');
  S.setUser(null);
  ok(!('user.hash' in S.current().attributes), 'user cleared');
  eq(S.consent(), 'granted', 'default consent');
  S.setConsent('pending');
  eq(S.consent(), 'pending', 'consent changed');
  S.setConsent('granted');
  throws(() => S.setConsent('maybe'), TypeError, "Sessions.setConsent: argument 'consent'");
});

test('listeners run on the JS thread, after the call that caused them, and stop at unsubscribe', async () => {
  const seen = [];
  let callReturned = false;
  const id = S.subscribe((session, previous) => seen.push({ session, previous, afterCall: callReturned }));
  const before = S.current();
  const after = S.end();
  callReturned = true;
  await until(() => seen.length >= 1, 'the rotation notification');
  eq(seen[0].session.id, after.id, 'new session');
  eq(seen[0].previous.id, before.id, 'previous session');
  ok(seen[0].afterCall, 'delivered later on the JS thread, not re-entrantly inside end()');
  S.setAttribute('k', 1);
  await until(() => seen.length >= 2, 'the attribute notification');
  eq(seen[1].session.attributes.k, 1, 'attribute change notified');
  S.unsubscribe(id);
  S.setAttribute('k', 2); // queued on another thread: must not arrive after unsubscribe
  S.end();
  await sleep(50);
  eq(seen.length, 2, 'nothing after unsubscribe');
  throws(() => S.subscribe('not a function'), TypeError, "Sessions.subscribe: argument 'listener' must be a function");
});

test('flush and clearAllData return promises', async () => {
  ok(S.flush(1000) instanceof Promise, 'flush returns a promise');
  await S.flush(1000);
  let rejected;
  await S.flush(-5).catch((e) => (rejected = e));
  ok(rejected instanceof RangeError, 'a bad timeout rejects with a RangeError');
  ok(rejected.message.startsWith("Sessions.flush: argument 'timeoutMs'"), rejected.message);
  const before = S.current();
  await S.clearAllData();
  const after = S.current();
  ok(after.id !== before.id, 'a fresh session after clearing');
  eq(S.history().length, 1, 'history cleared');
});

test('the native lifecycle drives rotation through the same C ABI', async () => {
  // This instance has the default 15 min background timeout: background + foreground keeps it.
  const s = S.current();
  __harness.setAppState('background');
  __harness.setAppState('active');
  eq(S.current().id, s.id, 'a short background keeps the session');
});

run();
