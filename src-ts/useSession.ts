import { useSyncExternalStore } from 'react';

import { Sessions } from './Sessions';
import type { Session } from './types';

function subscribe(onChange: () => void): () => void {
  return Sessions.subscribe(() => onChange());
}

function currentSession(): Session {
  return Sessions.current();
}

/**
 * The current session; the component re-renders when the session rotates or changes
 * (attributes, sampling). The snapshot object is stable while nothing changes.
 * @example
 * ```tsx
 * function SupportScreen() {
 *   const session = useSession();
 *   return <Text selectable>Session {session.id}</Text>;
 * }
 * ```
 */
export function useSession(): Session {
  return useSyncExternalStore(subscribe, currentSession, currentSession);
}

function currentId(): string {
  return Sessions.current().id;
}

/**
 * The current session id; re-renders only when the id changes.
 * @example const id = useSessionId();
 */
export function useSessionId(): string {
  return useSyncExternalStore(subscribe, currentId, currentId);
}
