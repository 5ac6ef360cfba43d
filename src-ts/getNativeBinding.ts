import type { NativeBinding } from './NativeBinding';
import { createMockBinding } from './mock/createMockBinding';

declare const process: { env: Record<string, string | undefined> } | undefined;

const FIXES = `react-native-otel-sessions: the native module is not available. To fix it:
- iOS: run \`pod install\` in ios/, then rebuild the app (a JavaScript reload is not enough).
- Android: rebuild the app (\`npx react-native run-android\`, or build in Android Studio).
- Expo: this library has native code, so it does not run in Expo Go; use a development build
  (\`npx expo prebuild\`, then \`npx expo run:ios\` or \`npx expo run:android\`).
- The New Architecture must be on (the default since React Native 0.76).`;

let cached: NativeBinding | null = null;

/**
 * The JSI binding: already installed, installed now through the TurboModule, or, under
 * Jest without native code, an in-memory mock. Throws an Error listing the fixes otherwise.
 */
export function getNativeBinding(): NativeBinding {
  if (cached) return cached;
  // globalThis, not React Native's `global` alias: any JS engine has it.
  const g = globalThis as unknown as { __otelSessions?: NativeBinding };
  if (!g.__otelSessions) {
    // Loaded lazily: bundles that never need the TurboModule (tests, the Linux host) skip it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require('./NativeOtelSessions').default as { install(): boolean } | null;
    module?.install();
  }
  if (g.__otelSessions) {
    cached = g.__otelSessions;
  } else if (typeof process !== 'undefined' && process.env.JEST_WORKER_ID !== undefined) {
    cached = createMockBinding();
  } else {
    throw new Error(FIXES);
  }
  return cached;
}

/** Forgets the binding (tests only). */
export function resetNativeBindingForTests(): void {
  cached = null;
}
