// Autolinking for react-native-otel-sessions. The Android library and the podspec are
// filled in by the native-platforms work; the platform entries here stay the defaults
// (android/ with its Gradle module, the podspec at the package root).
module.exports = {
  dependency: {
    platforms: {
      android: {},
      ios: {},
    },
  },
};
