import { useEffect, useState } from 'react';
import { Sessions, type SessionRecord } from 'react-native-otel-sessions';

/**
 * Sessions.history(), read again after every change the library announces (a rotation adds the
 * ended session to the history). Newest first, for display.
 */
export function useHistory(): readonly SessionRecord[] {
  const [history, setHistory] = useState(readHistory);
  useEffect(() => {
    const refresh = () => setHistory(readHistory());
    refresh(); // a change may have happened between the first render and this effect
    return Sessions.subscribe(refresh);
  }, []);
  return history;
}

function readHistory(): SessionRecord[] {
  return [...Sessions.history()].reverse();
}
