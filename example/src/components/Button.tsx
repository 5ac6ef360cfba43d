import React from 'react';
import { Pressable, StyleSheet, Text } from 'react-native';

import { colors } from './theme';

interface Props {
  title: string;
  onPress: () => void;
  disabled?: boolean;
  /** A destructive action (ending the session, denying consent) is shown in red. */
  destructive?: boolean;
}

export function Button({ title, onPress, disabled = false, destructive = false }: Props): React.JSX.Element {
  const color = destructive ? colors.error : colors.accent;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityState={{ disabled }}
      disabled={disabled}
      onPress={onPress}
      style={({ pressed }) => [
        styles.button,
        { borderColor: color },
        pressed && { backgroundColor: color },
        disabled && styles.disabled,
      ]}
    >
      {({ pressed }) => <Text style={[styles.title, { color: pressed ? colors.card : color }]}>{title}</Text>}
    </Pressable>
  );
}

/** Buttons side by side, wrapping onto the next line. */
export const buttonRow = StyleSheet.create({ row: { flexDirection: 'row', flexWrap: 'wrap', gap: 8, marginTop: 6 } }).row;

const styles = StyleSheet.create({
  button: { borderWidth: 1.5, borderRadius: 8, paddingVertical: 8, paddingHorizontal: 12 },
  title: { fontSize: 15, fontWeight: '500' },
  disabled: { opacity: 0.4 },
});
