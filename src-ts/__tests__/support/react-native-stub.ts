// What the library uses of 'react-native', for Jest: no TurboModule is registered.
export const TurboModuleRegistry = {
  get: (): null => null,
};
