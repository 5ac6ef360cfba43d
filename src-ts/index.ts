export { Sessions } from './Sessions';
export { useSession, useSessionId } from './useSession';
export type {
  Attributes,
  AttributeValue,
  Consent,
  EndReason,
  Session,
  SessionListener,
  SessionRecord,
  SessionsConfig,
} from './types';
