// What src-ts uses of 'react-native', in the Linux JSI host: the host installs the binding
// itself, exactly as the TurboModule's install() does on a device.
export const TurboModuleRegistry = { get: () => null };
