import React from 'react';

import { ActionsSection } from './components/ActionsSection';
import { AttributeEditor } from './components/AttributeEditor';
import { HistoryList } from './components/HistoryList';
import { OutcomeLine } from './components/OutcomeLine';
import { Screen } from './components/Screen';
import { SessionCard } from './components/SessionCard';
import { EndpointSection } from './components/StartSection';
import { UserEditor } from './components/UserEditor';
import { useConsent } from './hooks/useConsent';
import { useOutcome } from './hooks/useOutcome';
import type { Started } from './startup';

/** The screen once Sessions.init has run: the session, the actions on it, and the history. */
export function SessionsScreen({ started }: { started: Started }): React.JSX.Element {
  const { outcome, run } = useOutcome();
  const [consent, setConsent] = useConsent();
  return (
    <Screen footer={<OutcomeLine outcome={outcome} />}>
      <SessionCard consent={consent} />
      <ActionsSection run={run} consent={consent} onConsent={setConsent} />
      <AttributeEditor run={run} />
      <UserEditor run={run} />
      <HistoryList />
      <EndpointSection started={started} />
    </Screen>
  );
}
