// Autolinking for react-native-otel-sessions (read by @react-native-community/cli in the app).
// Android: the library module in android/ and its package class; iOS: the podspec at the package
// root. The codegen output (OtelSessionsSpec, from package.json's codegenConfig) is generated and
// built by the app's React Native build on both platforms.
module.exports = {
  dependency: {
    platforms: {
      android: {
        sourceDir: './android',
        packageImportPath: 'import com.otelsessions.OtelSessionsPackage;',
        packageInstance: 'new OtelSessionsPackage()',
      },
      // The podspec at the package root is found by default (the CLI refuses a podspecPath key).
      ios: {},
    },
  },
};
