// The example app: first the OTLP endpoint and Sessions.init, then the session screen.
import React, { useState } from 'react';

import { Screen } from './src/components/Screen';
import { StartSection } from './src/components/StartSection';
import { SessionsScreen } from './src/SessionsScreen';
import { startedWith } from './src/startup';

export default function App(): React.JSX.Element {
  const [started, setStarted] = useState(startedWith);
  if (started) return <SessionsScreen started={started} />;
  return (
    <Screen>
      <StartSection onStarted={setStarted} />
    </Screen>
  );
}
