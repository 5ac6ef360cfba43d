//! [`Telemetry`]: the engine plus the OpenTelemetry pipeline, the journal, the outbox and
//! the uploader.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::Key;
use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use otel_sessions_engine::{
    validate_attribute, AttributeError, AttributeValue, Engine, EngineBuilder, SessionId,
    StorageLock,
};

use crate::budget::Budget;
use crate::config::TelemetryConfig;
use crate::consent::Consent;
use crate::convert::to_any;
use crate::error::TelemetryError;
use crate::exporter::{self, ExportJob, Exporter};
use crate::gate::Gate;
use crate::intern::intern;
use crate::journal::{entry, Journal, PendingBatch};
use crate::names::*;
use crate::otlp;
use crate::outbox::Outbox;
use crate::processors::{SessionLogProcessor, SessionSpanProcessor};
use crate::session_events::SessionEvents;
use crate::shared::Shared;
use crate::uploader::UploadConfig;
use crate::user_hash::UserHasher;

/// Longest event name accepted by [`Telemetry::record_event`], in bytes.
pub const MAX_EVENT_NAME_BYTES: usize = 256;
/// Name of the instrumentation scope of the library's own records.
pub const SCOPE_NAME: &str = "react-native-otel-sessions";
/// Longest [`Telemetry::write_to_disk`] and [`Telemetry::clear_all_data`] wait for the exporter.
const EXPORT_WAIT: Duration = Duration::from_secs(30);

/// Counters of the delivery pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Requests waiting in the outbox.
    pub queued_requests: usize,
    /// Bytes waiting in the outbox.
    pub queued_bytes: u64,
    /// Bytes of the journal's segment files (records not yet in the outbox, and room).
    pub journal_bytes: u64,
    /// Requests the backend accepted.
    pub delivered_requests: u64,
    /// Requests the backend refused for good (non-retryable status): deleted.
    pub rejected_requests: u64,
    /// Items a backend reported rejecting in partial successes (not retried, per the spec).
    pub rejected_items: u64,
    /// Requests evicted by the byte or age cap before they could be sent.
    pub evicted_requests: u64,
    /// Requests that could not be written to the outbox (disk full): lost.
    pub outbox_write_failures: u64,
    /// Records refused because the journal was full (counted in their sessions'
    /// `dropped_count` too).
    pub journal_full: u64,
    /// Torn journal entries found at start (a power loss or a crash mid-write), each ending
    /// its segment, and journal files that were not what their names say (segments that were
    /// not readable, deleted; a cursor that was not a regular file, replaced).
    pub journal_damage: u64,
    /// Journal segments that could not be created (a full disk): the records that needed
    /// them were dropped and counted in their sessions' `dropped_count`.
    pub journal_write_failures: u64,
}

/// Journal segments are 256 KiB, smaller under a small cap (a sixteenth of it, at least 4 KiB).
/// The journal and the outbox share the cap itself (`budget.rs`).
fn segment_bytes(max_queue_bytes: u64) -> usize {
    (max_queue_bytes / 16).clamp(4 * 1024, 256 * 1024) as usize
}

/// Sessions plus telemetry: every span and log record from these providers carries the
/// session; session starts and ends become events; every record is written into a
/// memory-mapped journal when it is recorded (a kill of the process does not lose it), then
/// through a durable outbox to the OTLP/HTTP endpoint, with retries per the OTLP specification.
///
/// No method waits on the disk on the calling thread, except those documented to wait
/// ([`Telemetry::write_to_disk`], [`Telemetry::flush`], [`Telemetry::clear_all_data`]): call
/// those from a thread of your own. Drop (or [`Telemetry::shutdown`]) stops the threads; what
/// is journaled is exported by the next launch.
pub struct Telemetry {
    pub(crate) shared: Arc<Shared>,
    pub(crate) engine: Engine,
    tracer_provider: SdkTracerProvider,
    pub(crate) logger_provider: SdkLoggerProvider,
    pub(crate) logger: SdkLogger,
    pub(crate) gate: Arc<Gate>,
    pub(crate) journal: Option<Arc<Journal>>,
    exporter: Arc<Exporter>,
    pub(crate) recovered_batches: Mutex<Vec<PendingBatch>>,
    users: UserHasher,
    threads: Mutex<Vec<JoinHandle<()>>>,
    shut_down: AtomicBool,
}

impl Telemetry {
    /// Validates `config`, takes the storage directory's lock unless `engine` holds it already
    /// ([`EngineBuilder::storage_lock`]; another process holding it is
    /// [`otel_sessions_engine::EngineError::StorageInUse`], and nothing is touched), opens the
    /// journal (its unexported records' numbers go to the engine, so none is reused) and the
    /// outbox, builds the pipeline, then builds the engine from `engine` (so the launch's own
    /// `session.end` / `session.start` are recorded) and starts the exporter thread when an
    /// endpoint is set (the exporter thread starts the uploader).
    pub fn start(
        config: TelemetryConfig,
        engine: EngineBuilder,
    ) -> Result<Telemetry, TelemetryError> {
        config.validate()?;
        // Before anything in the directory is read or written: one process per directory
        // (the caller may hold the lock already, to refuse a held directory early).
        let lock = match engine.held_lock().filter(|l| l.dir() == config.storage_dir) {
            Some(l) => l,
            None => StorageLock::acquire(&config.storage_dir).map_err(TelemetryError::Engine)?,
        };
        let mut engine = engine.storage_lock(lock);
        let endpoint = config.endpoint_base();
        let resource = crate::resource::build(&config);
        let resource_bytes = otlp::resource(&resource);
        let resource_schema = resource.schema_url().unwrap_or_default().to_owned();
        let mut resource_entry = Vec::new();
        entry::encode_resource(&mut resource_entry, &resource_schema, &resource_bytes);
        let (outbox, journal, recovered) = match &endpoint {
            Some(_) => {
                let budget = Arc::new(Budget::new(config.max_queue_bytes));
                let storage =
                    |path: PathBuf| move |source| TelemetryError::Storage { path, source };
                let outbox_dir = config.storage_dir.join("outbox");
                let outbox = Arc::new(
                    Outbox::open_within(
                        &outbox_dir,
                        budget.clone(),
                        config.max_queue_age.as_millis() as i64,
                    )
                    .map_err(storage(outbox_dir.clone()))?,
                );
                let journal_dir = config.storage_dir.join("journal");
                let (journal, recovered) = Journal::open_within(
                    &journal_dir,
                    segment_bytes(config.max_queue_bytes),
                    budget,
                    resource_entry,
                )
                .map_err(storage(journal_dir.clone()))?;
                let evict = outbox.clone();
                journal.set_make_room(move |bytes| evict.evict_for(bytes));
                (Some(outbox), Some(Arc::new(journal)), recovered)
            }
            None => (None, None, Default::default()),
        };
        // The highest numbers the journal holds: the engine must not hand them out again.
        for (session, count) in &recovered.counts {
            if let Some(id) = std::str::from_utf8(session).ok().and_then(SessionId::parse) {
                engine = engine.durable_count(id, *count);
            }
        }
        let shared = Arc::new(Shared::new(outbox.clone(), config.consent));
        let gate = Arc::new(Gate::new(
            shared.clone(),
            journal.clone(),
            config.error_buffer.unwrap_or(0),
        ));
        let tracer_provider = SdkTracerProvider::builder()
            .with_resource(resource.clone())
            .with_span_processor(SessionSpanProcessor::with_gate(
                shared.clone(),
                gate.clone(),
            ))
            .build();
        let logger_provider = SdkLoggerProvider::builder()
            .with_resource(resource)
            .with_log_processor(SessionLogProcessor::with_gate(shared.clone(), gate.clone()))
            .build();
        let logger = logger_provider.logger(SCOPE_NAME);
        let exporter = Exporter::new();
        if let Some(j) = &journal {
            let ex = exporter.clone();
            j.set_on_roll(move || {
                ex.request();
            });
        }

        let events = Arc::new(SessionEvents {
            logger: logger.clone(),
            gate: gate.clone(),
            shared: shared.clone(),
            exporter: exporter.clone(),
        });
        let engine = engine
            .observer(events)
            .build()
            .map_err(TelemetryError::Engine)?;
        let _ = shared.engine.set(engine.clone());
        gate.session_changed(&engine.current(), None);

        // The uploader serves the outbox, which exists with the journal: the exporter thread
        // starts it (a thread start costs about 0.1 ms on the thread that called `init`).
        let upload = match (endpoint, config.transport.clone()) {
            (Some(endpoint), Some(transport)) => Some(UploadConfig {
                endpoint,
                headers: config.headers.clone(),
                timeout: config.export_timeout,
                retry_base: config.retry_base,
                retry_max: config.retry_max,
                transport,
            }),
            _ => None,
        };
        let mut threads = Vec::new();
        if let (Some(journal), Some(outbox)) = (&journal, &outbox) {
            threads.push(
                exporter::spawn(
                    ExportJob {
                        journal: journal.clone(),
                        outbox: outbox.clone(),
                        shared: shared.clone(),
                        exporter: exporter.clone(),
                        interval: config.batch_delay,
                        resource: (resource_schema, resource_bytes),
                    },
                    upload,
                )
                .map_err(TelemetryError::Thread)?,
            );
        }
        if config.consent == Consent::Denied {
            if let Some(j) = &journal {
                exporter.purge_later(j.end());
            }
        }
        Ok(Telemetry {
            users: UserHasher::new(&config.storage_dir),
            shared,
            engine,
            tracer_provider,
            logger_provider,
            logger,
            gate,
            journal,
            exporter,
            recovered_batches: Mutex::new(recovered.batches),
            threads: Mutex::new(threads),
            shut_down: AtomicBool::new(false),
        })
    }

    /// The session engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The tracer provider whose spans carry the session.
    pub fn tracer_provider(&self) -> &SdkTracerProvider {
        &self.tracer_provider
    }

    /// The logger provider whose records carry the session.
    pub fn logger_provider(&self) -> &SdkLoggerProvider {
        &self.logger_provider
    }

    /// Records an event (a log record with an event name) in the current session.
    /// Errors name the limit broken: an empty or too long name (max 256 bytes), too many
    /// distinct names, or an attribute over the engine's limits.
    pub fn record_event(
        &self,
        name: &str,
        attributes: &[(String, AttributeValue)],
    ) -> Result<(), TelemetryError> {
        self.emit(
            name,
            Severity::Info,
            attributes,
            Vec::new(),
            SystemTime::now(),
        )
    }

    /// [`Telemetry::record_event`] for an event that happened at `time` (recorded by the app
    /// a moment earlier and handed over in a batch).
    pub fn record_event_at(
        &self,
        name: &str,
        attributes: &[(String, AttributeValue)],
        time: SystemTime,
    ) -> Result<(), TelemetryError> {
        self.emit(name, Severity::Info, attributes, Vec::new(), time)
    }

    /// Records an error as an `exception` event (`exception.type`, `exception.message`,
    /// `exception.stacktrace`). With error sampling configured (`error_buffer`), an unsampled
    /// session becomes sampled first, so its start, its held recent records and the error
    /// are exported; without it, sampling is decided once per session and an unsampled
    /// session's error is not exported either (it would arrive without its session).
    pub fn record_error(
        &self,
        kind: &str,
        message: &str,
        stacktrace: Option<&str>,
        attributes: &[(String, AttributeValue)],
    ) -> Result<(), TelemetryError> {
        if self.gate.buffers() {
            self.engine.mark_sampled();
        }
        let text = |s: &str| opentelemetry::logs::AnyValue::from(s.to_owned());
        let mut extra = vec![
            (Key::from_static_str(EXCEPTION_TYPE), text(kind)),
            (Key::from_static_str(EXCEPTION_MESSAGE), text(message)),
        ];
        if let Some(st) = stacktrace {
            extra.push((Key::from_static_str(EXCEPTION_STACKTRACE), text(st)));
        }
        self.emit(
            EVENT_EXCEPTION,
            Severity::Error,
            attributes,
            extra,
            SystemTime::now(),
        )
    }

    /// Emits an event through the logger provider (stamped by the processor unless `extra`
    /// carries `session.id` and `rn_otel_sessions.seq` already).
    pub(crate) fn emit(
        &self,
        name: &str,
        severity: Severity,
        attributes: &[(String, AttributeValue)],
        extra: Vec<(Key, opentelemetry::logs::AnyValue)>,
        time: SystemTime,
    ) -> Result<(), TelemetryError> {
        if name.is_empty() || name.len() > MAX_EVENT_NAME_BYTES {
            return Err(TelemetryError::InvalidEventName(format!(
                "must be 1 to {MAX_EVENT_NAME_BYTES} bytes; got {}",
                name.len()
            )));
        }
        for (k, v) in attributes {
            validate_attribute(k, v).map_err(TelemetryError::InvalidAttribute)?;
        }
        if attributes.len() > otel_sessions_engine::MAX_ATTRIBUTES {
            return Err(TelemetryError::InvalidAttribute(
                AttributeError::TooManyAttributes,
            ));
        }
        let name = intern(name).ok_or_else(|| {
            TelemetryError::InvalidEventName(format!(
                "is one too many distinct event names (the limit is {}); use fewer names and put the variable part in attributes",
                crate::intern::MAX_EVENT_NAMES
            ))
        })?;
        let mut rec = self.logger.create_log_record();
        rec.set_event_name(name);
        rec.set_timestamp(time);
        rec.set_observed_timestamp(SystemTime::now());
        rec.set_severity_number(severity);
        for (k, v) in attributes {
            rec.add_attribute(k.clone(), to_any(v));
        }
        for (k, v) in extra {
            rec.add_attribute(k, v);
        }
        self.logger.emit(rec);
        Ok(())
    }

    /// Sets (`Some`) or clears (`None`) the user: stored as `user.hash`, the SHA-256 of a
    /// per-install salt and the id. The id itself never reaches telemetry.
    pub fn set_user(&self, id: Option<&str>) -> Result<(), TelemetryError> {
        match id {
            Some(id) => {
                let hash = self
                    .users
                    .hash(id)
                    .map_err(|source| TelemetryError::Storage {
                        path: self.users.path().to_path_buf(),
                        source,
                    })?;
                self.engine
                    .set_attribute(USER_HASH, AttributeValue::String(hash))
                    .map_err(TelemetryError::InvalidAttribute)
            }
            None => self
                .engine
                .remove_attribute(USER_HASH)
                .map(|_| ())
                .map_err(TelemetryError::InvalidAttribute),
        }
    }

    /// Changes consent: `Granted` starts uploading what is stored; `Pending` keeps
    /// recording to disk without uploading; `Denied` records nothing from now on and purges
    /// what is stored (the exporter deletes it; this call does not wait on the disk).
    pub fn set_consent(&self, consent: Consent) {
        self.shared.set_consent(consent);
        if consent == Consent::Denied {
            self.gate.clear();
            if let Some(j) = &self.journal {
                self.exporter.purge_later(j.end());
            }
        }
    }

    /// The consent in force.
    pub fn consent(&self) -> Consent {
        self.shared.consent()
    }

    /// Erases what the library stored: queued telemetry (journal and outbox), held records,
    /// the user salt and the session history. A fresh session starts that links to nothing
    /// erased (no `session.previous_id`), and the erased session gets no `session.end`:
    /// nothing recorded afterwards refers to what was erased. Waits on the disk: call it off
    /// the app's threads.
    pub fn clear_all_data(&self) {
        // Settle a due expiry now, so that its events are erased with the rest.
        self.engine.poll();
        self.gate.clear();
        if let Some(j) = &self.journal {
            self.exporter.purge_and_wait(j.end(), EXPORT_WAIT);
        }
        lock(&self.recovered_batches).clear();
        self.users.forget();
        self.engine.erase();
    }

    /// The app came to the foreground.
    pub fn foreground(&self) {
        self.engine.foreground();
    }

    /// The app went to the background: the state is saved and an export of everything
    /// journaled to the outbox (with its fsync) is started at once, on the exporter thread
    /// (the OS may suspend or kill the app any time now). Does not wait on the disk.
    pub fn background(&self) {
        self.engine.background();
        self.exporter.request();
    }

    /// Exports everything journaled so far to the outbox and waits until it is there and
    /// fsynced (at most 30 s). Records are safe from a kill as soon as they are recorded; this
    /// makes them safe from a power loss, and visible to the uploader. Waits on the disk.
    pub fn write_to_disk(&self) {
        if self.journal.is_some() {
            self.exporter.export_and_wait(EXPORT_WAIT);
        }
        otel_sessions_engine::durability::wait_idle(EXPORT_WAIT);
    }

    /// Writes what is journaled to the outbox, then, when consent is granted and an endpoint
    /// is set, waits up to `timeout` for the outbox to be delivered. An attempt is made at
    /// once, cutting the client's own backoff short; a server's `Retry-After` is always
    /// honoured. Waits on the disk and the network: call it off the app's threads.
    pub fn flush(&self, timeout: Duration) -> Result<(), TelemetryError> {
        let deadline = Instant::now() + timeout;
        if self.journal.is_some() {
            self.exporter.export_and_wait(timeout);
        }
        let Some(outbox) = &self.shared.outbox else {
            return Ok(());
        };
        if self.shared.consent() != Consent::Granted {
            return Ok(());
        }
        self.shared.wake.attempt_now();
        loop {
            let queued = outbox.len();
            if queued == 0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(TelemetryError::FlushTimeout {
                    queued,
                    last_failure: self.shared.last_failure(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Delivery counters.
    pub fn stats(&self) -> DeliveryStats {
        let s = &self.shared;
        let (queued_requests, queued_bytes, evicted, failures, rejected) =
            s.outbox.as_ref().map_or((0, 0, 0, 0, 0), |o| {
                (
                    o.len(),
                    o.total_bytes(),
                    o.stats.evicted_files.load(Ordering::Relaxed),
                    o.stats.write_failures.load(Ordering::Relaxed),
                    o.stats.rejected_requests.load(Ordering::Relaxed),
                )
            });
        let (journal_bytes, journal_full, journal_damage, journal_write_failures) =
            self.journal.as_ref().map_or((0, 0, 0, 0), |j| {
                (
                    j.total_bytes(),
                    j.stats.full.load(Ordering::Relaxed),
                    j.stats.torn_tails.load(Ordering::Relaxed)
                        + j.stats.damaged_segments.load(Ordering::Relaxed),
                    j.stats.create_failures.load(Ordering::Relaxed),
                )
            });
        DeliveryStats {
            queued_requests,
            queued_bytes,
            journal_bytes,
            delivered_requests: s.delivered_requests.load(Ordering::Relaxed),
            rejected_requests: rejected,
            rejected_items: s.rejected_items.load(Ordering::Relaxed),
            evicted_requests: evicted,
            outbox_write_failures: failures + self.exporter.write_failures.load(Ordering::Relaxed),
            journal_full,
            journal_damage,
            journal_write_failures,
        }
    }

    /// Saves the session state with a clean exit mark and stops the threads, without
    /// waiting on the disk or the network: what is journaled is exported by the next launch,
    /// what is in the outbox is sent by it. Idempotent.
    pub fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return;
        }
        self.engine.shutdown();
        // Stopped, not joined: the exporter may be in the middle of an fsync, and a teardown
        // must not wait on the disk. A stopped thread touches neither the cursor nor the
        // journal's files again, so a new instance on the same directory is safe.
        self.exporter.stop();
        if let Some(j) = &self.journal {
            j.close();
        }
        self.shared.stop_uploader();
        lock(&self.threads).clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otel_sessions_engine::Engine;

    /// Consent is pending in these tests: nothing is sent.
    struct Unreachable;

    impl crate::Transport for Unreachable {
        fn send(&self, _: crate::HttpRequest, done: crate::Completion) {
            done.complete(crate::HttpOutcome::Failed {
                reason: "unreachable".into(),
            });
        }
    }

    #[test]
    fn at_an_apps_pace_every_segment_after_the_first_is_a_spare_made_by_the_exporter() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = TelemetryConfig::new("spares", dir.path());
        cfg.endpoint = Some("http://127.0.0.1:9".into()); // never reached: consent pending
        cfg.transport = Some(Arc::new(Unreachable));
        cfg.consent = Consent::Pending;
        cfg.max_queue_bytes = 1024 * 1024; // 64 KiB segments
        let t = Telemetry::start(cfg, Engine::builder(dir.path())).unwrap();
        let journal = t.journal.clone().unwrap();
        let stats = &journal.stats;
        // Bursts the size of about a third of a segment, each followed by an export round (as
        // the batch delay would run one).
        let attrs = [("note".to_string(), AttributeValue::String("x".repeat(200)))];
        for _ in 0..30 {
            for _ in 0..70 {
                t.record_event("app.click", &attrs).unwrap();
            }
            t.write_to_disk();
        }
        let created = stats.segments_created.load(Ordering::Relaxed);
        assert!(created >= 5, "{created} segments: the test must roll");
        assert_eq!(
            stats.spares_used.load(Ordering::Relaxed),
            created - 1,
            "only the first segment (the session's start, before the exporter ran) was made \
             on a recording thread"
        );
    }
}
