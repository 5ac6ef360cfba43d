import React from 'react';
import { StyleSheet, Text, View } from 'react-native';

import type { Outcome } from '../hooks/useOutcome';
import { colors } from './theme';

/** The result of the last action (or its error), at the bottom of the screen. */
export function OutcomeLine({ outcome }: { outcome: Outcome | null }): React.JSX.Element {
  return (
    <View style={styles.bar} accessibilityLiveRegion="polite">
      <Text style={[styles.text, outcome && { color: colors[outcome.kind] }]} numberOfLines={4}>
        {outcome ? outcome.text : 'Tap an action; its result or error shows here.'}
      </Text>
    </View>
  );
}

const styles = StyleSheet.create({
  bar: {
    borderTopWidth: StyleSheet.hairlineWidth,
    borderTopColor: colors.border,
    backgroundColor: colors.card,
    paddingHorizontal: 16,
    paddingTop: 10,
    paddingBottom: 24,
  },
  text: { fontSize: 14, color: colors.muted },
});
