import { useCallback, useRef, useState } from 'react';

import { describeError } from '../format';

/** What the last action did, for the status line. */
export interface Outcome {
  kind: 'ok' | 'error' | 'pending';
  text: string;
}

/** Returns a short description of what happened, or nothing for "done". */
export type Action = () => string | void | Promise<string | void>;

/**
 * Runs the screen's actions: each one's result, or the error it threw or rejected with, becomes
 * the outcome on screen instead of crashing the app (the library throws TypeErrors and
 * RangeErrors that name the problem).
 */
export function useOutcome(): { outcome: Outcome | null; run: (label: string, action: Action) => Promise<void> } {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const latest = useRef(0); // a slow flush must not overwrite the outcome of a later action

  const run = useCallback(async (label: string, action: Action) => {
    const id = ++latest.current;
    const report = (next: Outcome) => {
      if (id === latest.current) setOutcome(next);
    };
    try {
      const result = action();
      if (result instanceof Promise) {
        report({ kind: 'pending', text: `${label}…` });
      }
      const text = await result;
      report({ kind: 'ok', text: text ? `${label}: ${text}` : `${label}: done` });
    } catch (error) {
      report({ kind: 'error', text: `${label} failed. ${describeError(error)}` });
    }
  }, []);

  return { outcome, run };
}
