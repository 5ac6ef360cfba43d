// Smoke test of the example app's screens in Node: the library's in-memory mock (automatic under
// Jest) stands in for the native engine, a stub for react-native's host components. It drives
// the app the way a user would (type, press) and reads what the screen shows.
import { act } from 'react';
import { createRoot, type Root, type TestInstance } from 'test-renderer';
import { Sessions } from 'react-native-otel-sessions';

import App from '../../example/App';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root;

function textOf(node: TestInstance | string): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}
const screenText = () => textOf(root.container);
const texts = () => root.container.queryAll((n) => n.type === 'Text').map(textOf);

/** The value shown next to a Field's label. */
function field(label: string): string {
  const row = root.container.queryAll(
    (n) => n.type === 'View' && n.children.length === 2 && typeof n.children[0] !== 'string' && textOf(n.children[0]!) === label,
  );
  if (row.length !== 1) throw new Error(`field '${label}': ${row.length} rows`);
  return textOf(row[0]!.children[1]!);
}

async function press(title: string | RegExp): Promise<void> {
  const matches = (t: string) => (typeof title === 'string' ? t === title : title.test(t));
  const buttons = root.container.queryAll((n) => n.type === 'Pressable' && matches(textOf(n)));
  if (buttons.length !== 1) throw new Error(`button ${title}: ${buttons.length} found in\n${texts().join('\n')}`);
  await act(async () => {
    buttons[0]!.props.onPress();
  });
}

async function type(label: string, text: string): Promise<void> {
  const inputs = root.container.queryAll((n) => n.type === 'TextInput' && n.props.accessibilityLabel === label);
  if (inputs.length !== 1) throw new Error(`input '${label}': ${inputs.length} found`);
  await act(async () => {
    inputs[0]!.props.onChangeText(text);
  });
}

/** The status line at the bottom (a live region for screen readers). */
function outcome(): string {
  const bar = root.container.queryAll((n) => n.props.accessibilityLiveRegion === 'polite');
  if (bar.length !== 1) throw new Error(`status line: ${bar.length} found`);
  return textOf(bar[0]!);
}

beforeAll(async () => {
  // Fake clock for the ticking age; microtasks stay real (the library's listeners use them).
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
  root = createRoot();
  await act(async () => root.render(<App />));
});

afterAll(() => {
  act(() => root.unmount());
  jest.useRealTimers();
});

test('asks for the endpoint, prefilled for the platform, before Sessions.init', async () => {
  expect(screenText()).toContain('Sessions.init runs once per launch');
  const input = root.container.queryAll((n) => n.type === 'TextInput')[0]!;
  expect(input.props.value).toBe('http://10.0.2.2:4318'); // the stub's Platform.OS is android
  expect(() => Sessions.current()).toThrow('call Sessions.init(config) first');

  // An error from init is shown, and the user can correct the endpoint and try again.
  const rejected = 'Sessions.init: config.endpoint must be an http(s) URL; got "collector"';
  const init = jest.spyOn(Sessions, 'init').mockImplementationOnce(() => {
    throw new TypeError(rejected);
  });
  await type('OTLP endpoint', 'collector');
  await press('Sessions.init');
  expect(texts()).toContain(`TypeError: ${rejected}`);
  expect(screenText()).not.toContain('Current session');
  init.mockRestore();

  await type('OTLP endpoint', 'http://collector.test:4318');
  await press('Sessions.init');
  expect(screenText()).toContain('Current session');
  expect(field('id')).toBe(Sessions.current().id);
  expect(field('previous')).toBe('none (first session)');
  expect(field('consent')).toBe('granted');
  expect(field('sampled')).toMatch(/^yes/);
  const endpoint = root.container.queryAll((n) => n.type === 'TextInput' && n.props.accessibilityLabel === 'OTLP endpoint')[0]!;
  expect(endpoint.props.value).toBe('http://collector.test:4318');
  expect(endpoint.props.editable).toBe(false);
  expect(screenText()).toContain('applies at the next launch');
});

test('the age ticks', async () => {
  expect(field('age')).toBe('0:00');
  await act(async () => {
    jest.advanceTimersByTime(65_000);
  });
  expect(field('age')).toBe('1:05');
});

test('end, events, errors: the session card, history and outcome follow', async () => {
  const first = Sessions.current().id;
  expect(screenText()).toContain('History (1)');
  await press('Record event');
  expect(outcome()).toBe('Sessions.recordEvent: example.button_tap #1');
  await press('Record error');
  expect(outcome()).toMatch(/^Sessions.recordError: an exception event/);
  await press('End session');
  const second = Sessions.current().id;
  expect(second).not.toBe(first);
  expect(outcome()).toBe(`Sessions.end: new session ${second.slice(0, 8)}…`);
  expect(field('id')).toBe(second);
  expect(field('previous')).toBe(first);
  expect(screenText()).toContain('History (2)');
  expect(screenText()).toMatch(/manual · 2 records/);
});

test('attributes and the user', async () => {
  await press('Set attribute');
  expect(Sessions.current().attributes['app.screen']).toBe('sessions');
  expect(texts()).toEqual(expect.arrayContaining(['app.screen', 'sessions']));
  await press('Remove attribute');
  expect(texts()).not.toContain('app.screen');

  await type('key', 'session.id');
  await press('Set attribute');
  expect(outcome()).toMatch(/^Sessions.setAttribute\('session.id'\) failed. TypeError: .*reserved prefix/);

  await press('Set user');
  expect(texts()).toContain('user.hash');
  await press('Clear user');
  expect(texts()).not.toContain('user.hash');
});

test('consent cycles granted → pending → denied → granted', async () => {
  await press('Consent → pending');
  expect(field('consent')).toBe('pending');
  expect(Sessions.consent()).toBe('pending');
  await press('Consent → denied');
  expect(field('consent')).toBe('denied');
  await press('Consent → granted');
  expect(field('consent')).toBe('granted');
});

test('flush shows its outcome', async () => {
  await press('Flush');
  expect(outcome()).toMatch(/^Sessions.flush\(5000\): done in \d+ ms$/);
});
