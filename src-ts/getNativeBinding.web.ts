import type { NativeBinding } from './NativeBinding';

/** On the web the library imports fine, but `Sessions.init` reports it is not supported yet. */
export function getNativeBinding(): NativeBinding {
  throw new Error(
    'react-native-otel-sessions: the web is not supported yet; sessions need the native module (iOS or Android).',
  );
}

/** Forgets the binding (tests only). */
export function resetNativeBindingForTests(): void {}
