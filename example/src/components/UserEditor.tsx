import React, { useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';
import { Sessions } from 'react-native-otel-sessions';

import type { Action } from '../hooks/useOutcome';
import { Button, buttonRow } from './Button';
import { Section } from './Section';
import { TextField } from './TextField';
import { colors } from './theme';

/** Sets or clears the user: telemetry carries only user.hash, a salted SHA-256 of the id. */
export function UserEditor({ run }: { run: (label: string, action: Action) => Promise<void> }): React.JSX.Element {
  const [userId, setUserId] = useState('user-42');

  const set = () => run('Sessions.setUser', () => Sessions.setUser(userId));
  const clear = () => run('Sessions.setUser(null)', () => Sessions.setUser(null));

  return (
    <Section title="User">
      <TextField label="user id (never sent as is)" value={userId} onChangeText={setUserId} />
      <View style={buttonRow}>
        <Button title="Set user" onPress={set} />
        <Button title="Clear user" onPress={clear} destructive />
      </View>
      <Text style={styles.note}>The session's attributes show the resulting user.hash.</Text>
    </Section>
  );
}

const styles = StyleSheet.create({
  note: { color: colors.muted, fontSize: 13, marginTop: 10 },
});
