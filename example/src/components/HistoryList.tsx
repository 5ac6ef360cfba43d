import React from 'react';
import { StyleSheet, Text, View } from 'react-native';
import type { SessionRecord } from 'react-native-otel-sessions';

import { formatClock, formatDuration, shortId } from '../format';
import { useHistory } from '../hooks/useHistory';
import { Section } from './Section';
import { colors, monospace } from './theme';

/** Sessions.history(), newest first; refreshed whenever the library announces a change. */
export function HistoryList(): React.JSX.Element {
  const history = useHistory();
  return (
    <Section title={`History (${history.length})`}>
      {history.map((record) => (
        <HistoryRow key={record.id} record={record} />
      ))}
    </Section>
  );
}

function HistoryRow({ record }: { record: SessionRecord }): React.JSX.Element {
  const current = record.endTime === null;
  const detail = current
    ? 'current'
    : `${formatDuration(record.endTime - record.startTime)} · ${record.endReason ?? 'unknown'} · ` +
      `${record.recordCount ?? 0} records${record.droppedCount ? `, ${record.droppedCount} dropped` : ''}`;
  return (
    <View style={styles.row}>
      <Text selectable style={styles.id}>
        {shortId(record.id)}
      </Text>
      <Text style={styles.time}>{formatClock(record.startTime)}</Text>
      <Text style={[styles.detail, current && styles.current]}>{detail}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  row: {
    flexDirection: 'row',
    flexWrap: 'wrap',
    gap: 8,
    paddingVertical: 6,
    borderTopWidth: StyleSheet.hairlineWidth,
    borderTopColor: colors.border,
  },
  id: { fontFamily: monospace, fontSize: 13, color: colors.text },
  time: { fontSize: 13, color: colors.muted },
  detail: { fontSize: 13, color: colors.text },
  current: { color: colors.ok, fontWeight: '600' },
});
