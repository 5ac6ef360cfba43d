import React from 'react';
import { StyleSheet, Text, View } from 'react-native';

import { colors } from './theme';

/** A titled card. */
export function Section({ title, children }: { title: string; children: React.ReactNode }): React.JSX.Element {
  return (
    <View style={styles.card}>
      <Text accessibilityRole="header" style={styles.title}>
        {title}
      </Text>
      {children}
    </View>
  );
}

const styles = StyleSheet.create({
  card: {
    backgroundColor: colors.card,
    borderRadius: 10,
    borderWidth: StyleSheet.hairlineWidth,
    borderColor: colors.border,
    padding: 14,
    marginBottom: 12,
  },
  title: { fontSize: 17, fontWeight: '600', color: colors.text, marginBottom: 8 },
});
