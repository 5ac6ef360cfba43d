import React from 'react';
import { StyleSheet, Text, View } from 'react-native';

import { colors, monospace } from './theme';

/** A label and its value on one line; `code` shows the value in a monospace font, selectable. */
export function Field({ label, value, code = false }: { label: string; value: string; code?: boolean }): React.JSX.Element {
  return (
    <View style={styles.row}>
      <Text style={styles.label}>{label}</Text>
      <Text selectable={code} style={[styles.value, code && styles.code]}>
        {value}
      </Text>
    </View>
  );
}

const styles = StyleSheet.create({
  row: { flexDirection: 'row', paddingVertical: 3 },
  label: { width: 92, color: colors.muted, fontSize: 14 },
  value: { flex: 1, color: colors.text, fontSize: 14 },
  code: { fontFamily: monospace, fontSize: 13 },
});
