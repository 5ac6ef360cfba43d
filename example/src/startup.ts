// Starting the library from the screen. A real app calls Sessions.init once, early (index.js);
// this example waits for the user to confirm the OTLP endpoint, which Sessions.init takes once
// per launch: a later call keeps the running instance and its endpoint.
import { Platform } from 'react-native';
import { Sessions } from 'react-native-otel-sessions';

export const SERVICE_NAME = 'otel-sessions-example';
export const SERVICE_VERSION = '0.0.1';

/** An OTLP/HTTP collector on the development machine, as the emulator / simulator reaches it. */
export const DEFAULT_ENDPOINT = Platform.OS === 'android' ? 'http://10.0.2.2:4318' : 'http://localhost:4318';
export const DEFAULT_ENDPOINT_SEEN_FROM = Platform.OS === 'android' ? 'the Android emulator' : 'the iOS simulator';

export interface Started {
  /** The endpoint Sessions.init was given; null: sessions only, nothing is exported. */
  endpoint: string | null;
}

// Module state, not component state: it lives as long as the JavaScript runtime (and the
// library's instance), so a Fast Refresh of the screen does not ask for the endpoint again.
let started: Started | null = null;

export function startedWith(): Started | null {
  return started;
}

/**
 * Calls Sessions.init with the endpoint as typed (empty: null). Throws what init throws,
 * e.g. a TypeError naming the config field.
 */
export function startSessions(endpointText: string): Started {
  const trimmed = endpointText.trim();
  const endpoint = trimmed === '' ? null : trimmed;
  Sessions.init({ serviceName: SERVICE_NAME, serviceVersion: SERVICE_VERSION, endpoint });
  started = { endpoint };
  return started;
}
