import React, { useState } from 'react';
import { StyleSheet, Text, View } from 'react-native';

import { describeError } from '../format';
import { DEFAULT_ENDPOINT, DEFAULT_ENDPOINT_SEEN_FROM, SERVICE_NAME, type Started, startSessions } from '../startup';
import { Button, buttonRow } from './Button';
import { Section } from './Section';
import { TextField } from './TextField';
import { colors } from './theme';

/**
 * Before the library runs: the OTLP endpoint to pass to Sessions.init, and the button that
 * calls it. An error from init (say, an endpoint that is not an http(s) URL) is shown here and
 * the user can correct the field and try again.
 */
export function StartSection({ onStarted }: { onStarted: (started: Started) => void }): React.JSX.Element {
  const [endpoint, setEndpoint] = useState(DEFAULT_ENDPOINT);
  const [error, setError] = useState<string | null>(null);

  const start = () => {
    try {
      onStarted(startSessions(endpoint));
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <Section title="Start">
      <Text style={styles.note}>
        Sessions.init runs once per launch, with this OTLP/HTTP endpoint (/v1/traces and /v1/logs are appended).
        The default is a collector on your computer as {DEFAULT_ENDPOINT_SEEN_FROM} reaches it. Leave it empty to
        keep sessions without exporting anything.
      </Text>
      <TextField
        label="OTLP endpoint"
        value={endpoint}
        onChangeText={setEndpoint}
        placeholder="empty: sessions only"
        keyboardType="url"
        onSubmitEditing={start}
      />
      <View style={buttonRow}>
        <Button title="Sessions.init" onPress={start} />
      </View>
      <Text style={styles.note}>service.name: {SERVICE_NAME}</Text>
      {error && (
        <Text selectable style={styles.error}>
          {error}
        </Text>
      )}
    </Section>
  );
}

/** After the start: the endpoint in use, read-only, and how to change it. */
export function EndpointSection({ started }: { started: Started }): React.JSX.Element {
  return (
    <Section title="Endpoint">
      <TextField label="OTLP endpoint" value={started.endpoint ?? ''} placeholder="none: sessions only" editable={false} onChangeText={() => {}} />
      <Text style={styles.note}>
        Sessions.init takes the endpoint once; later calls keep the running instance. To use another endpoint, quit the
        app and launch it again: the new value applies at the next launch.
      </Text>
    </Section>
  );
}

const styles = StyleSheet.create({
  note: { color: colors.muted, fontSize: 13, lineHeight: 18, marginBottom: 8 },
  error: { color: colors.error, fontSize: 14, marginTop: 8 },
});
