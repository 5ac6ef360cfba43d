//! The methods JavaScript calls, by name, with JSON arguments and JSON results.
//! One table here serves the C ABI (and through it the C++ host object).

use std::sync::Arc;
use std::time::Duration;

use otel_sessions_engine::{
    AppState, Engine, Session, SessionObserver, SessionRecord, StorageLock,
};
use otel_sessions_telemetry::{Consent, Telemetry};
use serde_json::{json, Value};

use crate::call_error::CallError;
use crate::event_queue::EventQueue;
use crate::init_config::InitConfig;
use crate::js_records;
use crate::js_value::{
    arg, attribute_error, attribute_value, attributes, describe, parse_args, string,
};

/// Longest `flush` may be asked to wait.
const MAX_FLUSH_MS: u64 = 600_000;
const DEFAULT_FLUSH_MS: u64 = 10_000;

/// Methods that run off the JS thread and settle a promise. The OpenTelemetry JS bridge's
/// exports are among them: even their arguments are parsed off the JS thread.
pub const ASYNC_METHODS: [&str; 4] = ["flush", "clearAllData", "exportSpans", "exportLogs"];

/// An initialised library: the telemetry layer and its engine.
pub struct Binding {
    // Declared first, so dropped first: what is queued is recorded before telemetry stops.
    events: EventQueue,
    telemetry: Arc<Telemetry>,
}

/// A session as JavaScript sees it.
pub fn session_json(s: &Session) -> Value {
    let attributes: serde_json::Map<String, Value> = s
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), attribute_json(v)))
        .collect();
    json!({
        "id": s.id.as_str(),
        "previousId": s.previous_id.as_ref().map(|p| p.as_str()),
        "startTime": s.start_time_ms,
        "attributes": attributes,
        "sampled": s.sampled,
    })
}

fn attribute_json(v: &otel_sessions_engine::AttributeValue) -> Value {
    use otel_sessions_engine::AttributeValue as A;
    match v {
        A::String(s) => json!(s),
        A::Bool(b) => json!(b),
        A::Int(i) => json!(i),
        A::Double(d) => json!(d),
        A::StringArray(a) => json!(a),
        A::BoolArray(a) => json!(a),
        A::IntArray(a) => json!(a),
        A::DoubleArray(a) => json!(a),
    }
}

fn record_json(r: &SessionRecord) -> Value {
    json!({
        "id": r.id.as_str(),
        "previousId": r.previous_id.as_ref().map(|p| p.as_str()),
        "startTime": r.start_time_ms,
        "endTime": r.end_time_ms,
        "endReason": r.reason.as_str(),
        "recordCount": r.record_count,
        "droppedCount": r.dropped_count,
    })
}

impl Binding {
    /// Starts the engine and telemetry from a checked config, in the storage directory that
    /// `lock` holds (see [`crate::Starting`], which takes it on the thread that called `init`).
    pub fn start(
        c: InitConfig,
        lock: Arc<StorageLock>,
        app_state: AppState,
    ) -> Result<Binding, CallError> {
        let mut engine = Engine::builder(&c.telemetry.storage_dir)
            .storage_lock(lock)
            .policy(c.policy)
            .app_state(app_state);
        for (k, v) in c.initial_attributes {
            engine = engine.initial_attribute(k, v);
        }
        let telemetry = Arc::new(
            Telemetry::start(c.telemetry, engine).map_err(|e| CallError::other("init", e))?,
        );
        let events = EventQueue::start(telemetry.clone())?;
        Ok(Binding { events, telemetry })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        self.telemetry.engine()
    }

    /// The telemetry layer.
    pub fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// Runs a synchronous method. Unknown methods and bad arguments are errors, never panics.
    pub fn call(&self, method: &str, args: &[Value]) -> Result<Value, CallError> {
        // Events recorded before this call belong before it (e.g. before `end()`).
        self.events.barrier();
        let engine = self.engine();
        no_extra(method, args)?;
        match method {
            "current" => Ok(session_json(&engine.current())),
            "end" => Ok(session_json(&engine.end())),
            "touch" => {
                engine.touch();
                Ok(Value::Null)
            }
            "setAttribute" => {
                let key = string(method, "key", arg(args, 0))?;
                let value = attribute_value(method, key, arg(args, 1))?;
                engine
                    .set_attribute(key, value)
                    .map_err(|e| attribute_error(method, e))?;
                Ok(Value::Null)
            }
            "removeAttribute" => {
                let key = string(method, "key", arg(args, 0))?;
                engine
                    .remove_attribute(key)
                    .map_err(|e| attribute_error(method, e))?;
                Ok(Value::Null)
            }
            "setUser" => {
                let id = match arg(args, 0) {
                    Value::Null => None,
                    Value::String(s) if !s.is_empty() && s.len() <= 1024 => Some(s.as_str()),
                    v => {
                        return Err(CallError::type_error(
                            method,
                            format!("argument 'id' must be a non-empty string of at most 1024 bytes, or null; got {}", describe(v)),
                        ))
                    }
                };
                self.telemetry
                    .set_user(id)
                    .map_err(|e| CallError::other(method, e))?;
                Ok(Value::Null)
            }
            "recordEvent" => {
                let name = string(method, "name", arg(args, 0))?;
                let attrs = attributes(method, "attributes", arg(args, 1))?;
                self.telemetry
                    .record_event(name, &attrs)
                    .map_err(|e| CallError::range_error(method, e))?;
                Ok(Value::Null)
            }
            "recordError" => {
                let kind = string(method, "type", arg(args, 0))?;
                let message = string(method, "message", arg(args, 1))?;
                let stack = match arg(args, 2) {
                    Value::Null => None,
                    Value::String(s) => Some(s.as_str()),
                    v => {
                        return Err(CallError::type_error(
                            method,
                            format!(
                                "argument 'stack' must be a string or null; got {}",
                                describe(v)
                            ),
                        ))
                    }
                };
                let attrs = attributes(method, "attributes", arg(args, 3))?;
                self.telemetry
                    .record_error(kind, message, stack, &attrs)
                    .map_err(|e| CallError::range_error(method, e))?;
                Ok(Value::Null)
            }
            "setConsent" => {
                let c = arg(args, 0);
                let consent = c.as_str().and_then(Consent::parse).ok_or_else(|| {
                    CallError::type_error(
                        method,
                        format!(
                            "argument 'consent' must be 'granted', 'pending' or 'denied'; got {}",
                            describe(c)
                        ),
                    )
                })?;
                self.telemetry.set_consent(consent);
                Ok(Value::Null)
            }
            "consent" => Ok(json!(self.telemetry.consent().as_str())),
            // The OpenTelemetry JS bridge: a record starts (its session, its sequence number).
            "stamp" => {
                let stamp = engine.record();
                Ok(json!([stamp.session.id.as_str(), stamp.sequence]))
            }
            "history" => {
                let mut out: Vec<Value> = engine.history().iter().map(record_json).collect();
                let cur = engine.current();
                out.push(json!({
                    "id": cur.id.as_str(),
                    "previousId": cur.previous_id.as_ref().map(|p| p.as_str()),
                    "startTime": cur.start_time_ms,
                    "endTime": null,
                    "endReason": null,
                    "recordCount": null,
                    "droppedCount": null,
                }));
                Ok(Value::Array(out))
            }
            m if ASYNC_METHODS.contains(&m) => Err(CallError::other(
                method,
                "is asynchronous: call it through the async entry point",
            )),
            _ => Err(CallError::type_error(
                method,
                "is not a method of this library version",
            )),
        }
    }

    /// Checks an asynchronous method's arguments now, and returns the work to run later.
    pub fn prepare_async(
        self: &Arc<Self>,
        method: &str,
        raw_args: &[u8],
    ) -> Result<Box<dyn FnOnce() -> Result<Value, CallError> + Send>, CallError> {
        self.events.barrier();
        let me = self.clone();
        if method == "exportSpans" || method == "exportLogs" {
            let raw = raw_args.to_vec();
            let method: &'static str = if method == "exportSpans" {
                "exportSpans"
            } else {
                "exportLogs"
            };
            return Ok(Box::new(move || {
                me.export(method, &parse_args(method, &raw)?)
            }));
        }
        let args = &parse_args(method, raw_args)?;
        no_extra(method, args)?;
        match method {
            "flush" => {
                let ms = match arg(args, 0) {
                    Value::Null => DEFAULT_FLUSH_MS,
                    v => v.as_u64().filter(|ms| *ms <= MAX_FLUSH_MS).ok_or_else(|| {
                        CallError::range_error(method, format!("argument 'timeoutMs' must be a whole number from 0 to {MAX_FLUSH_MS}; got {}", describe(v)))
                    })?,
                };
                Ok(Box::new(move || {
                    me.telemetry
                        .flush(Duration::from_millis(ms))
                        .map(|_| Value::Null)
                        .map_err(|e| CallError::other("flush", e))
                }))
            }
            "clearAllData" => Ok(Box::new(move || {
                me.telemetry.clear_all_data();
                Ok(Value::Null)
            })),
            _ => Err(CallError::type_error(
                method,
                "is not an asynchronous method of this library version",
            )),
        }
    }

    /// `exportSpans(spans)` / `exportLogs(logs)` from the OpenTelemetry JS bridge: the
    /// records join the Rust pipeline; the result is how many. Runs off the JS thread.
    fn export(&self, method: &str, args: &[Value]) -> Result<Value, CallError> {
        no_extra(method, args)?;
        if method == "exportSpans" {
            let spans = js_records::spans(method, arg(args, 0))?;
            let n = spans.len();
            spans
                .into_iter()
                .for_each(|s| self.telemetry.ingest_span(s));
            Ok(json!(n))
        } else {
            let logs = js_records::logs(method, arg(args, 0))?;
            let n = logs.len();
            for (scope, log) in logs {
                self.telemetry.ingest_log(&scope, log);
            }
            Ok(json!(n))
        }
    }

    /// `recordEvents(batch)`: events the TypeScript layer checked and queued, handed over as
    /// the unparsed JSON of the arguments; recorded, in order, by the event worker.
    pub fn enqueue_events(&self, raw_args: &[u8]) -> Result<Value, CallError> {
        self.events.push(raw_args.to_vec())?;
        Ok(Value::Null)
    }

    /// Events the worker refused since init, and the last refusal's message.
    pub fn rejected_events(&self) -> (u64, Option<String>) {
        self.events.rejected()
    }

    /// Subscribes a listener to session changes (rotation, start, attributes, sampling).
    pub fn subscribe(
        &self,
        observer: Arc<dyn SessionObserver>,
    ) -> otel_sessions_engine::SubscriptionId {
        self.engine().subscribe(observer)
    }
}

/// Most arguments any method takes.
const MAX_ARGS: usize = 4;

fn no_extra(method: &str, args: &[Value]) -> Result<(), CallError> {
    if args.len() > MAX_ARGS {
        return Err(CallError::type_error(
            method,
            format!("takes at most {MAX_ARGS} arguments; got {}", args.len()),
        ));
    }
    Ok(())
}
