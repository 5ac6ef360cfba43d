import React, { useState } from 'react';
import { StyleSheet, View } from 'react-native';
import { Sessions } from 'react-native-otel-sessions';

import type { Action } from '../hooks/useOutcome';
import { Button, buttonRow } from './Button';
import { Section } from './Section';
import { TextField } from './TextField';

/**
 * Sets or removes a session attribute (a string value here). The session card shows the change:
 * useSession() re-renders on attribute changes. The library rejects reserved prefixes and
 * values over its limits with an error that names them.
 */
export function AttributeEditor({ run }: { run: (label: string, action: Action) => Promise<void> }): React.JSX.Element {
  const [key, setKey] = useState('app.screen');
  const [value, setValue] = useState('sessions');

  const set = () => run(`Sessions.setAttribute('${key}')`, () => Sessions.setAttribute(key, value));
  const remove = () => run(`Sessions.removeAttribute('${key}')`, () => Sessions.removeAttribute(key));

  return (
    <Section title="Attribute">
      <View style={styles.inputs}>
        <TextField label="key" value={key} onChangeText={setKey} />
        <TextField label="value" value={value} onChangeText={setValue} />
      </View>
      <View style={buttonRow}>
        <Button title="Set attribute" onPress={set} />
        <Button title="Remove attribute" onPress={remove} destructive />
      </View>
    </Section>
  );
}

const styles = StyleSheet.create({
  inputs: { flexDirection: 'row', gap: 8 },
});
