import { Platform } from 'react-native';

export const colors = {
  background: '#f4f5f7',
  card: '#ffffff',
  text: '#1c1e21',
  muted: '#65676b',
  border: '#d8dadf',
  accent: '#2f5bd3',
  ok: '#1e7b34',
  error: '#b3261e',
  pending: '#8a6d00',
};

export const monospace = Platform.select({ ios: 'Menlo', default: 'monospace' });
