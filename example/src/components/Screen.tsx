import React from 'react';
import { Platform, ScrollView, StatusBar, StyleSheet, Text, View } from 'react-native';

import { colors } from './theme';

/**
 * A scrolling page with a title and an optional footer that stays in view. Insets without a
 * dependency: iOS adjusts the scroll view for the safe area itself; Android (edge to edge)
 * gets the status bar's height. Apps with more screens use react-native-safe-area-context.
 */
export function Screen({ children, footer }: { children: React.ReactNode; footer?: React.ReactNode }): React.JSX.Element {
  return (
    <View style={styles.root}>
      <StatusBar barStyle="dark-content" />
      <ScrollView
        contentInsetAdjustmentBehavior="automatic"
        keyboardShouldPersistTaps="handled"
        contentContainerStyle={styles.content}
      >
        <Text accessibilityRole="header" style={styles.title}>
          OpenTelemetry sessions
        </Text>
        {children}
      </ScrollView>
      {footer}
    </View>
  );
}

const styles = StyleSheet.create({
  root: { flex: 1, backgroundColor: colors.background },
  content: {
    padding: 16,
    paddingTop: Platform.OS === 'android' ? (StatusBar.currentHeight ?? 24) + 16 : 16,
  },
  title: { fontSize: 24, fontWeight: '700', color: colors.text, marginBottom: 14 },
});
