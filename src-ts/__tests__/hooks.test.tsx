import React, { act, StrictMode } from 'react';
import TestRenderer from 'react-test-renderer';

import { Sessions, useSession, useSessionId } from '..';
import { resetNativeBindingForTests } from '../getNativeBinding';
import { resetSessionsForTests } from '../Sessions';
import type { Session } from '../types';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

beforeEach(() => {
  resetSessionsForTests();
  resetNativeBindingForTests();
  Sessions.init({ serviceName: 'hooks-test', sessionAttributes: { 'app.flavor': 'test' } });
});

function probe() {
  const seen: Session[] = [];
  function Probe() {
    const s = useSession();
    seen.push(s);
    return null;
  }
  return { seen, Probe };
}

test('useSession re-renders on rotation with the new session', async () => {
  const { seen, Probe } = probe();
  let r!: TestRenderer.ReactTestRenderer;
  await act(async () => {
    r = TestRenderer.create(<Probe />);
  });
  const first = seen[seen.length - 1]!;
  let next!: Session;
  await act(async () => {
    next = Sessions.end();
  });
  const last = seen[seen.length - 1]!;
  expect(last.id).toBe(next.id);
  expect(last.previousId).toBe(first.id);
  r.unmount();
});

test('useSession re-renders on an attribute change, and not when nothing changed', async () => {
  const { seen, Probe } = probe();
  await act(async () => {
    TestRenderer.create(<Probe />);
  });
  const before = seen.length;
  await act(async () => {
    Sessions.setAttribute('cart.items', 3);
  });
  expect(seen[seen.length - 1]!.attributes['cart.items']).toBe(3);
  const after = seen.length;
  expect(after).toBe(before + 1);
  await act(async () => {
    Sessions.setAttribute('cart.items', 3); // same value
    Sessions.current();
    Sessions.touch();
  });
  expect(seen.length).toBe(after);
});

test('the snapshot is stable between changes (no render loops, no tearing)', () => {
  const a = Sessions.current();
  expect(Sessions.current()).toBe(a);
  expect(Object.isFrozen(a)).toBe(true);
  expect(Object.isFrozen(a.attributes)).toBe(true);
});

test('unmounting unsubscribes', async () => {
  const { seen, Probe } = probe();
  let r!: TestRenderer.ReactTestRenderer;
  await act(async () => {
    r = TestRenderer.create(<Probe />);
  });
  await act(async () => r.unmount());
  const count = seen.length;
  await act(async () => {
    Sessions.end();
    Sessions.setAttribute('k', true);
  });
  expect(seen.length).toBe(count);
});

test('works under StrictMode', async () => {
  const { seen, Probe } = probe();
  await act(async () => {
    TestRenderer.create(
      <StrictMode>
        <Probe />
      </StrictMode>,
    );
  });
  let next!: Session;
  await act(async () => {
    next = Sessions.end();
  });
  expect(seen[seen.length - 1]!.id).toBe(next.id);
});

test('useSessionId re-renders only when the id changes', async () => {
  const ids: string[] = [];
  function IdProbe() {
    ids.push(useSessionId());
    return null;
  }
  await act(async () => {
    TestRenderer.create(<IdProbe />);
  });
  await act(async () => {
    Sessions.setAttribute('k', 1);
  });
  expect(ids.length).toBe(1);
  await act(async () => {
    Sessions.end();
  });
  expect(ids.length).toBe(2);
  expect(ids[1]).not.toBe(ids[0]);
});
