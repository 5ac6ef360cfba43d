//! [`Telemetry`]: the engine plus the OpenTelemetry pipeline, the outbox and the uploader.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::Key;
use opentelemetry_otlp::{Compression, Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::logs::{BatchLogProcessor, LogExporter as _, SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanExporter as _};
use otel_sessions_engine::{
    validate_attribute, AttributeError, AttributeValue, Engine, EngineBuilder, StorageLock,
};

use crate::config::TelemetryConfig;
use crate::consent::Consent;
use crate::convert::to_any;
use crate::error::TelemetryError;
use crate::gate::Gate;
use crate::in_flight::{Counted, InFlight};
use crate::intern::intern;
use crate::names::*;
use crate::outbox::Outbox;
use crate::outbox_client::OutboxClient;
use crate::processors::{SessionLogProcessor, SessionSpanProcessor};
use crate::session_events::SessionEvents;
use crate::shared::Shared;
use crate::uploader::{self, UploadConfig};
use crate::user_hash::UserHasher;

/// Longest event name accepted by [`Telemetry::record_event`], in bytes.
pub const MAX_EVENT_NAME_BYTES: usize = 256;
/// Name of the instrumentation scope of the library's own records.
pub const SCOPE_NAME: &str = "react-native-otel-sessions";

/// Counters of the delivery pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Requests waiting in the outbox.
    pub queued_requests: usize,
    /// Bytes waiting in the outbox.
    pub queued_bytes: u64,
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
}

/// Records waiting in memory for the batch exporter, per signal. Four times the SDK default,
/// for bursts while an export waits on the disk; a few MB at most. Past it (less a reserve
/// for session events) new records are dropped and counted in their session's
/// `dropped_count` (see `in_flight.rs`); the SDK itself never has to drop.
const BATCH_QUEUE_SIZE: usize = 8192;

/// Sessions plus telemetry: every span and log record from these providers carries the
/// session; session starts and ends become events; everything goes through a durable
/// outbox to the OTLP/HTTP endpoint, with retries per the OTLP specification.
///
/// Drop (or [`Telemetry::shutdown`]) flushes what is in memory to disk and stops the threads.
pub struct Telemetry {
    shared: Arc<Shared>,
    pub(crate) engine: Engine,
    tracer_provider: SdkTracerProvider,
    pub(crate) logger_provider: SdkLoggerProvider,
    logger: SdkLogger,
    pub(crate) gate: Arc<Gate>,
    users: UserHasher,
    uploader: Mutex<Option<JoinHandle<()>>>,
    shut_down: AtomicBool,
}

impl Telemetry {
    /// Validates `config`, takes the storage directory's lock (another process holding it is
    /// [`otel_sessions_engine::EngineError::StorageInUse`], and nothing is touched), opens the
    /// outbox, builds the pipeline, then builds the engine from `engine` (so the launch's own
    /// `session.end` / `session.start` are recorded) and starts the uploader when an endpoint
    /// is set.
    pub fn start(
        config: TelemetryConfig,
        engine: EngineBuilder,
    ) -> Result<Telemetry, TelemetryError> {
        config.validate()?;
        // Before anything in the directory is read or written: one process per directory.
        let lock = StorageLock::acquire(&config.storage_dir).map_err(TelemetryError::Engine)?;
        let engine = engine.storage_lock(lock);
        let endpoint = config.endpoint_base();
        let outbox = match &endpoint {
            Some(_) => Some(
                Outbox::open(
                    &config.storage_dir.join("outbox"),
                    config.max_queue_bytes,
                    config.max_queue_age.as_millis() as i64,
                )
                .map_err(TelemetryError::Storage)?,
            ),
            None => None,
        };
        let shared = Arc::new(Shared::new(outbox, config.consent));
        let resource = crate::resource::build(&config);
        let pipeline =
            |e: opentelemetry_otlp::ExporterBuildError| TelemetryError::Pipeline(e.to_string());

        let (span_flight, log_flight) = (
            InFlight::new(BATCH_QUEUE_SIZE),
            InFlight::new(BATCH_QUEUE_SIZE),
        );
        let (spans, logs) = match &endpoint {
            Some(base) => {
                let mut span_exporter = outbox_http(
                    opentelemetry_otlp::SpanExporter::builder().with_http(),
                    format!("{base}/v1/traces"),
                    &config,
                    &shared,
                )
                .build()
                .map_err(pipeline)?;
                span_exporter.set_resource(&resource);
                let mut log_exporter = outbox_http(
                    opentelemetry_otlp::LogExporter::builder().with_http(),
                    format!("{base}/v1/logs"),
                    &config,
                    &shared,
                )
                .build()
                .map_err(pipeline)?;
                log_exporter.set_resource(&resource);
                let span_exporter = Counted {
                    inner: span_exporter,
                    flight: span_flight.clone(),
                };
                let log_exporter = Counted {
                    inner: log_exporter,
                    flight: log_flight.clone(),
                };
                let spans = BatchSpanProcessor::builder(span_exporter)
                    .with_batch_config(
                        opentelemetry_sdk::trace::BatchConfigBuilder::default()
                            .with_scheduled_delay(config.batch_delay)
                            .with_max_queue_size(BATCH_QUEUE_SIZE)
                            .build(),
                    )
                    .build();
                let logs = BatchLogProcessor::builder(log_exporter)
                    .with_batch_config(
                        opentelemetry_sdk::logs::BatchConfigBuilder::default()
                            .with_scheduled_delay(config.batch_delay)
                            .with_max_queue_size(BATCH_QUEUE_SIZE)
                            .build(),
                    )
                    .build();
                (Some(Arc::new(spans)), Some(Arc::new(logs)))
            }
            None => (None, None),
        };
        let gate = Arc::new(
            Gate::new(
                shared.clone(),
                spans,
                logs,
                config.error_buffer.unwrap_or(0),
            )
            .with_bounds(span_flight, log_flight),
        );
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

        let events = Arc::new(SessionEvents {
            logger: logger.clone(),
            gate: gate.clone(),
            shared: shared.clone(),
        });
        let engine = engine
            .observer(events)
            .build()
            .map_err(TelemetryError::Engine)?;
        let _ = shared.engine.set(engine.clone());
        gate.session_changed(&engine.current(), None);

        let uploader = match (endpoint, config.transport.clone()) {
            (Some(endpoint), Some(transport)) => Some(
                uploader::spawn(
                    shared.clone(),
                    UploadConfig {
                        endpoint,
                        headers: config.headers.clone(),
                        timeout: config.export_timeout,
                        retry_base: config.retry_base,
                        retry_max: config.retry_max,
                        transport,
                    },
                )
                .map_err(TelemetryError::Thread)?,
            ),
            _ => None,
        };
        if config.consent == Consent::Denied {
            if let Some(o) = &shared.outbox {
                o.purge();
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
            uploader: Mutex::new(uploader),
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

    fn emit(
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
                let hash = self.users.hash(id).map_err(TelemetryError::Storage)?;
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
    /// recording to disk without uploading; `Denied` records nothing and purges what is
    /// stored.
    pub fn set_consent(&self, consent: Consent) {
        self.shared.set_consent(consent);
        if consent == Consent::Denied {
            self.gate.clear();
            if let Some(o) = &self.shared.outbox {
                o.purge();
            }
        }
    }

    /// The consent in force.
    pub fn consent(&self) -> Consent {
        self.shared.consent()
    }

    /// Erases what the library stored: queued telemetry (on disk and in memory), held
    /// records, the user salt and the session history. A fresh session starts that links to
    /// nothing erased (no `session.previous_id`), and the erased session gets no
    /// `session.end`: nothing recorded afterwards refers to what was erased.
    pub fn clear_all_data(&self) {
        // Settle a due expiry now, so that its events are erased with the rest; then move what
        // is in memory to disk, and delete it there.
        self.engine.poll();
        self.write_to_disk();
        self.gate.clear();
        if let Some(o) = &self.shared.outbox {
            o.purge();
        }
        self.users.forget();
        self.engine.erase();
    }

    /// The app came to the foreground.
    pub fn foreground(&self) {
        self.engine.foreground();
    }

    /// The app went to the background: the state is saved and everything recorded so far
    /// is written to the outbox at once (the OS may kill the app any time now).
    pub fn background(&self) {
        self.engine.background();
        self.write_to_disk();
    }

    /// Writes every record still in memory to the outbox now (it is otherwise written
    /// within the batch delay, 1 s by default). Returns when the files are on disk.
    pub fn write_to_disk(&self) {
        let _ = self.tracer_provider.force_flush();
        let _ = self.logger_provider.force_flush();
    }

    /// Writes what is in memory to the outbox, then, when consent is granted and an
    /// endpoint is set, waits up to `timeout` for the outbox to be delivered. An attempt is
    /// made at once, cutting the client's own backoff short; a server's `Retry-After` is
    /// always honoured.
    pub fn flush(&self, timeout: Duration) -> Result<(), TelemetryError> {
        self.write_to_disk();
        let Some(outbox) = &self.shared.outbox else {
            return Ok(());
        };
        if self.shared.consent() != Consent::Granted {
            return Ok(());
        }
        self.shared.wake.attempt_now();
        let deadline = Instant::now() + timeout;
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
        DeliveryStats {
            queued_requests,
            queued_bytes,
            delivered_requests: s.delivered_requests.load(Ordering::Relaxed),
            rejected_requests: rejected,
            rejected_items: s.rejected_items.load(Ordering::Relaxed),
            evicted_requests: evicted,
            outbox_write_failures: failures,
        }
    }

    /// Writes everything in memory to the outbox, saves the session state with a clean
    /// exit mark, and stops the threads. Idempotent. What is not yet delivered is sent by
    /// the next launch.
    pub fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.tracer_provider.shutdown();
        let _ = self.logger_provider.shutdown();
        self.engine.shutdown();
        self.shared.stop_uploader();
        let handle = self
            .uploader
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

/// An OTLP/HTTP exporter builder set up to hand gzip'd protobuf to the outbox.
fn outbox_http<B: WithExportConfig + WithHttpConfig>(
    builder: B,
    url: String,
    config: &TelemetryConfig,
    shared: &Arc<Shared>,
) -> B {
    builder
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url)
        .with_compression(Compression::Gzip)
        .with_timeout(config.export_timeout)
        .with_http_client(OutboxClient {
            shared: shared.clone(),
        })
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.shutdown();
    }
}
