import React from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { type Consent, useSession } from 'react-native-otel-sessions';

import { formatClock, formatDuration, formatValue } from '../format';
import { useNow } from '../hooks/useNow';
import { Field } from './Field';
import { Section } from './Section';
import { colors, monospace } from './theme';

/**
 * The current session from useSession(): it re-renders when the session rotates or its
 * attributes or sampling change. The age ticks with a local clock.
 */
export function SessionCard({ consent }: { consent: Consent }): React.JSX.Element {
  const session = useSession();
  const now = useNow();
  const attributes = Object.entries(session.attributes).sort(([a], [b]) => a.localeCompare(b));

  return (
    <Section title="Current session">
      <Field label="id" value={session.id} code />
      <Field label="previous" value={session.previousId ?? 'none (first session)'} code={session.previousId !== null} />
      <Field label="started" value={formatClock(session.startTime)} />
      <Field label="age" value={formatDuration(now - session.startTime)} />
      <Field label="sampled" value={session.sampled ? 'yes: its telemetry is exported' : 'no'} />
      <Field label="consent" value={consent} />
      <Text style={styles.heading}>attributes</Text>
      {attributes.length === 0 ? (
        <Text style={styles.empty}>none</Text>
      ) : (
        attributes.map(([key, value]) => (
          <View key={key} style={styles.attribute}>
            <Text selectable style={styles.key}>
              {key}
            </Text>
            <Text selectable style={styles.value}>
              {formatValue(value)}
            </Text>
          </View>
        ))
      )}
    </Section>
  );
}

const styles = StyleSheet.create({
  heading: { color: colors.muted, fontSize: 14, marginTop: 6, marginBottom: 2 },
  empty: { color: colors.muted, fontSize: 14, fontStyle: 'italic' },
  attribute: { flexDirection: 'row', paddingVertical: 2 },
  key: { flex: 1, fontFamily: monospace, fontSize: 13, color: colors.text },
  value: { flex: 1, fontFamily: monospace, fontSize: 13, color: colors.accent },
});
