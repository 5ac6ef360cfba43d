import { StrictMode } from 'react';
import { act, renderHook } from '@testing-library/react-native';

import { Sessions, useSession, useSessionId } from '..';
import { resetNativeBindingForTests } from '../getNativeBinding';
import { resetSessionsForTests } from '../Sessions';
import type { Session } from '../types';

beforeEach(() => {
  resetSessionsForTests();
  resetNativeBindingForTests();
  Sessions.init({ serviceName: 'hooks-test', sessionAttributes: { 'app.flavor': 'test' } });
});

/** Renders `useSession()` and keeps every value it rendered with. */
async function renderSession(options?: { strict?: boolean }) {
  const seen: Session[] = [];
  const hook = await renderHook(
    () => {
      const s = useSession();
      seen.push(s);
      return s;
    },
    options?.strict ? { wrapper: StrictMode } : undefined,
  );
  return { seen, hook };
}

test('useSession re-renders on rotation with the new session', async () => {
  const { hook } = await renderSession();
  const first = hook.result.current;
  expect(first.id).toBe(Sessions.current().id);
  let next!: Session;
  await act(async () => {
    next = Sessions.end();
  });
  expect(hook.result.current.id).toBe(next.id);
  expect(hook.result.current.previousId).toBe(first.id);
  await hook.unmount();
});

test('useSession re-renders once on an attribute change, and not when nothing changed', async () => {
  const { seen, hook } = await renderSession();
  const before = seen.length;
  await act(async () => {
    Sessions.setAttribute('cart.items', 3);
  });
  expect(hook.result.current.attributes['cart.items']).toBe(3);
  expect(seen.length).toBe(before + 1);
  await act(async () => {
    Sessions.setAttribute('cart.items', 3); // same value
    Sessions.current();
    Sessions.touch();
  });
  expect(seen.length).toBe(before + 1);
  await act(async () => {
    Sessions.removeAttribute('cart.items');
  });
  expect(seen.length).toBe(before + 2);
  expect('cart.items' in hook.result.current.attributes).toBe(false);
});

test('the snapshot is stable between changes (no render loops, no tearing)', async () => {
  const a = Sessions.current();
  expect(Sessions.current()).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
  expect(Object.isFrozen(a.attributes)).toBe(true);
  const { seen } = await renderSession();
  expect(seen).toHaveLength(1);
  expect(seen[0]).toBe(a);
});

test('unmounting unsubscribes', async () => {
  const { seen, hook } = await renderSession();
  await hook.unmount();
  const count = seen.length;
  await act(async () => {
    Sessions.end();
    Sessions.setAttribute('k', true);
  });
  expect(seen.length).toBe(count);
});

test('works under StrictMode (double effects subscribe once in the end)', async () => {
  const { hook } = await renderSession({ strict: true });
  let next!: Session;
  await act(async () => {
    next = Sessions.end();
  });
  expect(hook.result.current.id).toBe(next.id);
  await hook.unmount();
  await act(async () => {
    Sessions.end();
  });
  expect(hook.result.current.id).toBe(next.id);
});

test('useSessionId re-renders only when the id changes', async () => {
  const ids: string[] = [];
  await renderHook(() => {
    const id = useSessionId();
    ids.push(id);
    return id;
  });
  await act(async () => {
    Sessions.setAttribute('k', 1);
  });
  expect(ids).toHaveLength(1);
  await act(async () => {
    Sessions.end();
  });
  expect(ids).toHaveLength(2);
  expect(ids[1]).not.toBe(ids[0]);
});
