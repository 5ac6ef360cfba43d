// A small stand-in for react-native in the example's smoke test (Node, no native code): host
// components render as plain elements named after the component, so the test can find them.
import React from 'react';

type Props = Record<string, unknown> & { children?: React.ReactNode };

const host = (name: string) =>
  function Host(props: Props) {
    return React.createElement(name, props);
  };

export const View = host('View');
export const Text = host('Text');
export const TextInput = host('TextInput');
export const StatusBar = Object.assign(host('StatusBar'), { currentHeight: 24 });

export function ScrollView({ children, ...props }: Props) {
  return React.createElement('ScrollView', props, children);
}

/** Pressable's style and children may be functions of the pressed state. */
export function Pressable({
  children,
  style,
  ...props
}: Props & { children?: React.ReactNode | ((s: { pressed: boolean }) => React.ReactNode); style?: unknown }) {
  const state = { pressed: false };
  return React.createElement(
    'Pressable',
    { ...props, style: typeof style === 'function' ? style(state) : style },
    typeof children === 'function' ? children(state) : children,
  );
}

export const Platform = {
  OS: 'android' as const,
  select<T>(choices: { android?: T; ios?: T; default?: T }): T | undefined {
    return 'android' in choices ? choices.android : choices.default;
  },
};

export const StyleSheet = {
  hairlineWidth: 1,
  create<T>(styles: T): T {
    return styles;
  },
};

/** No native module here: the library falls back to its in-memory mock under Jest. */
export const TurboModuleRegistry = {
  get: () => null,
};
