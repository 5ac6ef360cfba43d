import { useCallback, useEffect, useState } from 'react';
import { Sessions, type Consent } from 'react-native-otel-sessions';

const CYCLE: readonly Consent[] = ['granted', 'pending', 'denied'];

/** The consent after `consent` in the cycle granted → pending → denied → granted. */
export function nextConsent(consent: Consent): Consent {
  return CYCLE[(CYCLE.indexOf(consent) + 1) % CYCLE.length] ?? 'granted';
}

/**
 * Sessions.consent() and a setter. Consent is not part of the session, so the library's
 * listeners do not announce it: the hook reads it again after its own change (and on any
 * session change, in case another part of the app changed it).
 */
export function useConsent(): [Consent, (consent: Consent) => void] {
  const [consent, setState] = useState(() => Sessions.consent());
  useEffect(() => Sessions.subscribe(() => setState(Sessions.consent())), []);
  const setConsent = useCallback((next: Consent) => {
    Sessions.setConsent(next); // may throw: the caller reports it
    setState(Sessions.consent());
  }, []);
  return [consent, setConsent];
}
