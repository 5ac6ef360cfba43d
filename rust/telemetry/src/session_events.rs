//! `session.start` and `session.end` as OpenTelemetry events (log records with an event
//! name), per the semantic conventions, from the engine's notifications.
//!
//! `session.end` also carries, in the project namespace, the end reason, the duration, the
//! record and dropped counts, and the outbox losses since the previous report; with the
//! session's final attributes. Both are in the journal when the observer returns (so the
//! engine counts them handled only once a kill can no longer lose them), and an export to the
//! outbox is started at once, off the calling thread.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::logs::AnyValue;
use opentelemetry::logs::{LogRecord as _, Logger as _, Severity};
use opentelemetry::Key;
use opentelemetry_sdk::logs::SdkLogger;
use otel_sessions_engine::{Session, SessionEnded, SessionObserver, SessionStarted};

use crate::convert::log_pairs;
use crate::exporter::Exporter;
use crate::gate::Gate;
use crate::names::*;
use crate::shared::Shared;

pub(crate) struct SessionEvents {
    pub logger: SdkLogger,
    pub gate: Arc<Gate>,
    pub shared: Arc<Shared>,
    pub exporter: Arc<Exporter>,
}

pub(crate) fn epoch_ms(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

impl SessionEvents {
    fn emit(&self, name: &'static str, at_ms: i64, session: &Session, extra: Vec<(Key, AnyValue)>) {
        let mut rec = self.logger.create_log_record();
        rec.set_event_name(name);
        rec.set_timestamp(epoch_ms(at_ms));
        rec.set_observed_timestamp(SystemTime::now());
        rec.set_severity_number(Severity::Info);
        rec.add_attribute(SESSION_ID, session.id.to_string());
        for (k, v) in log_pairs(&session.attributes).chain(extra) {
            rec.add_attribute(k, v);
        }
        self.logger.emit(rec);
    }
}

impl SessionObserver for SessionEvents {
    fn on_session_started(&self, e: &SessionStarted) {
        let s = &e.session;
        let mut extra = Vec::new();
        if let Some(prev) = s.previous_id {
            extra.push(kv(SESSION_PREVIOUS_ID, prev.to_string()));
        }
        if e.replayed {
            extra.push(kv(REPLAYED, true));
        }
        // The gate must know this session's sampling before its first record.
        self.gate.session_changed(s, None);
        // In the journal when this returns: a kill a moment later cannot leave the backend a
        // session with an end and no start.
        self.emit(EVENT_SESSION_START, s.start_time_ms, s, extra);
        self.exporter.request();
    }

    fn on_session_ended(&self, e: &SessionEnded) {
        let lost = self
            .shared
            .outbox
            .as_ref()
            .map(|o| o.take_unreported())
            .unwrap_or_default();
        let mut extra = vec![
            kv(END_REASON, e.reason.as_str()),
            kv(DURATION_MS, e.duration_ms),
            kv(RECORD_COUNT, e.record_count as i64),
            kv(DROPPED_COUNT, e.dropped_count as i64),
            kv(OUTBOX_EVICTED_FILES, lost.evicted_files as i64),
            kv(OUTBOX_REJECTED_REQUESTS, lost.rejected_requests as i64),
        ];
        if e.replayed {
            extra.push(kv(REPLAYED, true));
        }
        self.emit(EVENT_SESSION_END, e.end_time_ms, &e.session, extra);
        self.gate.session_ended(e.session.id);
        self.shared.remember_ended(e.session.clone());
        // Everything of the ended session goes to the outbox now, on the exporter thread.
        self.exporter.request();
    }

    fn on_session_changed(&self, current: &Arc<Session>, previous: Option<&Arc<Session>>) {
        self.gate.session_changed(current, previous.map(|p| &**p));
    }
}

fn kv(key: &'static str, value: impl Into<AnyValue>) -> (Key, AnyValue) {
    (Key::from_static_str(key), value.into())
}
