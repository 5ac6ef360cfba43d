import React, { useRef, useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { type Consent, Sessions } from 'react-native-otel-sessions';

import { shortId } from '../format';
import { nextConsent } from '../hooks/useConsent';
import type { Action } from '../hooks/useOutcome';
import { Button, buttonRow } from './Button';
import { Section } from './Section';
import { colors } from './theme';

const FLUSH_TIMEOUT_MS = 5000;

interface Props {
  run: (label: string, action: Action) => Promise<void>;
  consent: Consent;
  onConsent: (consent: Consent) => void;
}

/** Events, errors, ending the session, consent and flush: one button each. */
export function ActionsSection({ run, consent, onConsent }: Props): React.JSX.Element {
  const taps = useRef(0);
  const [flushing, setFlushing] = useState(false);
  const next = nextConsent(consent);

  const recordEvent = () =>
    run('Sessions.recordEvent', () => {
      taps.current += 1;
      Sessions.recordEvent('example.button_tap', { 'example.tap_count': taps.current });
      return `example.button_tap #${taps.current}`;
    });

  const recordError = () =>
    run('Sessions.recordError', () => {
      Sessions.recordError(new Error('Something went wrong in the example app'), { 'example.screen': 'sessions' });
      return 'an exception event (an unsampled session becomes sampled with errorSampling)';
    });

  const end = () =>
    run('Sessions.end', () => {
      const fresh = Sessions.end();
      return `new session ${shortId(fresh.id)}`;
    });

  const changeConsent = () =>
    run(`Sessions.setConsent('${next}')`, () => {
      onConsent(next);
    });

  const flush = () =>
    run(`Sessions.flush(${FLUSH_TIMEOUT_MS})`, async () => {
      setFlushing(true);
      const started = Date.now();
      try {
        await Sessions.flush(FLUSH_TIMEOUT_MS);
        return `done in ${Date.now() - started} ms`;
      } finally {
        setFlushing(false);
      }
    });

  return (
    <Section title="Actions">
      <View style={buttonRow}>
        <Button title="Record event" onPress={recordEvent} />
        <Button title="Record error" onPress={recordError} />
        <Button title="End session" onPress={end} destructive />
      </View>
      <View style={buttonRow}>
        <Button title={`Consent → ${next}`} onPress={changeConsent} destructive={next === 'denied'} />
        <Button title={flushing ? 'Flushing…' : 'Flush'} onPress={flush} disabled={flushing} />
      </View>
      <Text style={styles.note}>
        pending: records are kept on the device, not uploaded. denied: nothing is recorded and stored data is deleted.
        A flush that times out leaves the data queued for a later upload.
      </Text>
    </Section>
  );
}

const styles = StyleSheet.create({
  note: { color: colors.muted, fontSize: 13, lineHeight: 18, marginTop: 10 },
});
