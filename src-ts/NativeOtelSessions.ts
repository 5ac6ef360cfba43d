import type { TurboModule } from 'react-native';
import { TurboModuleRegistry } from 'react-native';

/**
 * The TurboModule. Its only job is to install the JSI binding (`global.__otelSessions`)
 * into the runtime; every other call goes through JSI directly.
 */
export interface Spec extends TurboModule {
  /** Installs the JSI binding; true on success. */
  install(): boolean;
}

export default TurboModuleRegistry.get<Spec>('OtelSessions');
