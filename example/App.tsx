// Minimal example: starts the library once and shows the current session id, which changes when
// a session ends (background timeout, maximum duration, Sessions.end()).
import React from 'react';
import { SafeAreaView, StyleSheet, Text } from 'react-native';
import { Sessions, useSession } from 'react-native-otel-sessions';

Sessions.init({ serviceName: 'otel-sessions-example', endpoint: null });

export default function App(): React.JSX.Element {
  const session = useSession();
  return (
    <SafeAreaView style={styles.root}>
      <Text style={styles.label}>session.id</Text>
      <Text selectable style={styles.id}>
        {session.id}
      </Text>
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  root: { flex: 1, alignItems: 'center', justifyContent: 'center' },
  label: { fontSize: 14, opacity: 0.6 },
  id: { fontSize: 16, fontFamily: 'monospace', marginTop: 8 },
});
