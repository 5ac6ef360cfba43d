import { Sessions } from '..';
import { getNativeBinding, resetNativeBindingForTests } from '../getNativeBinding';
import * as web from '../getNativeBinding.web';
import { resetSessionsForTests } from '../Sessions';
import { checkAttributes, copyAttributes } from '../validate';

beforeEach(() => {
  resetSessionsForTests();
  resetNativeBindingForTests();
});

test('calling the API before init says to call init', () => {
  expect(() => Sessions.current()).toThrow('Sessions.current: call Sessions.init(config) first');
  expect(() => Sessions.recordEvent('x')).toThrow('Sessions.recordEvent: call Sessions.init(config) first');
});

test('init validates the config and names the field', () => {
  expect(() => Sessions.init({} as never)).toThrow(TypeError);
  expect(() => Sessions.init({ serviceName: '' })).toThrow('config.serviceName');
  expect(() => Sessions.init({ serviceName: 'a', consent: 'yes' as never })).toThrow('config.consent');
  expect(() => Sessions.init({ serviceName: 'a', sampleRate: 2 })).toThrow(RangeError);
});

test('a missing native module outside Jest lists the fixes for each platform', () => {
  const saved = process.env.JEST_WORKER_ID;
  delete process.env.JEST_WORKER_ID;
  try {
    expect(() => getNativeBinding()).toThrow(/pod install[\s\S]*rebuild the app[\s\S]*Expo Go[\s\S]*New Architecture/);
  } finally {
    process.env.JEST_WORKER_ID = saved;
  }
});

test('the mock follows the semantics: end() chains, attributes, subscribe, history', async () => {
  Sessions.init({ serviceName: 'mock', sessionAttributes: { 'app.flavor': 'beta' } });
  const first = Sessions.current();
  expect(first.id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/); // shaped like the native ids
  const changes: Array<[string, string | null]> = [];
  const unsubscribe = Sessions.subscribe((s, p) => changes.push([s.id, p ? p.id : null]));
  Sessions.setAttribute('user.tier', 'gold');
  const second = Sessions.end();
  expect(second.previousId).toBe(first.id);
  expect(second.attributes).toEqual({ 'app.flavor': 'beta' });
  await Promise.resolve();
  await Promise.resolve();
  expect(changes[changes.length - 1]).toEqual([second.id, first.id]);
  unsubscribe();
  Sessions.end();
  await Promise.resolve();
  await Promise.resolve();
  expect(changes.length).toBeLessThanOrEqual(2);
  expect(() => Sessions.setAttribute('session.id', 'x')).toThrow(TypeError);
  expect(() => Sessions.setAttribute('k', Number.NaN)).toThrow(TypeError);
  expect(() => Sessions.subscribe('x' as never)).toThrow(TypeError);
  const history = Sessions.history();
  expect(history.map((h) => h.endReason)).toEqual(['manual', 'manual', null]);
});

test('recordError accepts anything thrown', () => {
  Sessions.init({ serviceName: 'errors' });
  expect(() => Sessions.recordError(new TypeError('x'))).not.toThrow();
  expect(() => Sessions.recordError('a string')).not.toThrow();
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(() => Sessions.recordError(cyclic)).not.toThrow();
  expect(() => Sessions.recordError(undefined)).not.toThrow();
});

test('on the web, importing is fine and init says it is not supported yet', () => {
  expect(() => web.getNativeBinding()).toThrow('the web is not supported yet');
});

test('recordEvent copies its attributes as checkAttributes checks them: own properties, a snapshot', () => {
  const proto = { inherited: 'no' };
  const attrs = Object.assign(Object.create(proto) as Record<string, unknown>, { screen: 'cart', items: 3 });
  const copy = copyAttributes('recordEvent', attrs)!;
  expect(copy).toEqual({ screen: 'cart', items: 3 });
  expect(Object.keys(copy)).toEqual(['screen', 'items']);
  attrs.screen = 'changed later';
  expect(copy.screen).toBe('cart');
  expect(copyAttributes('recordEvent', undefined)).toBeNull();
  expect(copyAttributes('recordEvent', null)).toBeNull();
  // The same errors, in the same order, as checkAttributes.
  const many: Record<string, number> = {};
  for (let i = 0; i < 65; i++) many[`k${i}`] = i;
  many.k1 = Number.NaN; // the count is reported first
  for (const bad of [many, { ok: 1, 'session.x': 'a' }, { k: Number.NaN }, ['a'], 'text']) {
    let copied: unknown;
    let checked: unknown;
    try {
      copyAttributes('recordEvent', bad);
    } catch (e) {
      copied = e;
    }
    try {
      checkAttributes('recordEvent', bad);
    } catch (e) {
      checked = e;
    }
    expect(copied).toBeInstanceOf(Error);
    expect(copied).toEqual(checked);
  }
  expect(() => copyAttributes('recordEvent', many)).toThrow("argument 'attributes' has 65 attributes; the limit is 64");
});
