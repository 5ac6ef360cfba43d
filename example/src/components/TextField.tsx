import React from 'react';
import { StyleSheet, Text, TextInput, type TextInputProps, View } from 'react-native';

import { colors, monospace } from './theme';

interface Props extends Pick<TextInputProps, 'placeholder' | 'keyboardType' | 'editable' | 'onSubmitEditing'> {
  label: string;
  value: string;
  onChangeText: (text: string) => void;
}

/** A labelled single-line text input without autocorrection (ids, keys, URLs). */
export function TextField({ label, editable = true, ...input }: Props): React.JSX.Element {
  return (
    <View style={styles.field}>
      <Text style={styles.label}>{label}</Text>
      <TextInput
        {...input}
        accessibilityLabel={label}
        autoCapitalize="none"
        autoCorrect={false}
        editable={editable}
        placeholderTextColor={colors.muted}
        style={[styles.input, !editable && styles.readOnly]}
      />
    </View>
  );
}

const styles = StyleSheet.create({
  field: { marginBottom: 8, flex: 1 },
  label: { color: colors.muted, fontSize: 13, marginBottom: 4 },
  input: {
    borderWidth: 1,
    borderColor: colors.border,
    borderRadius: 6,
    paddingHorizontal: 10,
    paddingVertical: 8,
    fontFamily: monospace,
    fontSize: 14,
    color: colors.text,
  },
  readOnly: { backgroundColor: colors.background, color: colors.muted },
});
