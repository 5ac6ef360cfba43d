// Metro for the example app. The library is the parent folder: node_modules/react-native-otel-sessions
// is a symlink to it (`"file:.."`), so
//   - Metro watches the repository root (watchFolders), where the symlink points;
//   - the library's own imports of react / react-native resolve to this app's copies, never to
//     the root node_modules (a second React breaks hooks; a second react-native breaks the renderer);
//   - `import ... from 'react-native-otel-sessions'` takes the package's "source" export, so the app
//     bundles the TypeScript in src-ts/ as it is now, not a stale build in lib/.
const path = require('path');
const { getDefaultConfig, mergeConfig } = require('@react-native/metro-config');

const appRoot = __dirname;
const libraryRoot = path.resolve(appRoot, '..');
const libraryName = require('../package.json').name;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Folders of the repository that are not the library's JavaScript: Metro neither crawls them
// (target/ alone is gigabytes of Rust build output) nor resolves anything from them.
const under = (root, dirs) => dirs.map((dir) => new RegExp(`^${escape(path.join(root, dir) + path.sep)}.*$`));
const blocked = [
  ...under(libraryRoot, ['node_modules', 'lib', 'target', 'rust', 'docs', 'android', 'ios', '.git']),
  // This app's build output (Gradle, Xcode, `npm run bundle:*`).
  ...under(appRoot, ['build', 'android/build', 'android/app/build', 'ios/build', 'ios/Pods']),
];

const defaults = getDefaultConfig(appRoot);

module.exports = mergeConfig(defaults, {
  watchFolders: [libraryRoot],
  resolver: {
    blockList: blocked,
    // Packages come from this app's node_modules only, also for files outside it (the library's).
    nodeModulesPaths: [path.join(appRoot, 'node_modules')],
    disableHierarchicalLookup: true,
    resolveRequest(context, moduleName, platform) {
      if (moduleName === libraryName || moduleName.startsWith(`${libraryName}/`)) {
        return context.resolveRequest(
          { ...context, unstable_conditionNames: ['source', ...context.unstable_conditionNames] },
          moduleName,
          platform,
        );
      }
      return context.resolveRequest(context, moduleName, platform);
    },
  },
});
