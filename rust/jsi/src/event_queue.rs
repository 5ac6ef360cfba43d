//! `Sessions.recordEvent` off the JS thread, without a window in which a kill loses events.
//! The TypeScript layer checks each event, queues it in JS and hands a batch over at the end of
//! the JS task (or every 128 events) as one JSON string with its size; on the JS thread the
//! batch is numbered and written into the journal unparsed (`Telemetry::hand_over`), and one
//! worker thread parses and records it.
//!
//! ```text
//!  JS: recordEvent ×n ─► recordEvents(json = [[name, attributes, timeMs]..., n])
//!      ─► hand_over(json, n): numbers first..first+n in the current session, journal entry
//!         (durable when the call returns) ─► push (no parse)
//!  worker: parse ─► telemetry.record_batch_event(batch, i, …) (in order) ─► batch_done
//!  start: batches a killed launch handed over and never recorded ─► the worker first
//!  every other binding call ─► barrier(): waits until the queue is empty, so an event recorded
//!                               before `end()` is recorded before `end()` takes effect
//! ```
//!
//! The JS layer has already checked names and attributes with the engine's rules; what the
//! worker still refuses (e.g. one distinct event name too many) is counted, with its message,
//! and in its session's `dropped_count`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use otel_sessions_telemetry::{EventBatch, Telemetry};

use crate::call_error::CallError;

/// Longest a barrier waits for the worker (it normally waits microseconds).
const BARRIER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Shared {
    /// Batches pushed and not yet recorded.
    pending: Mutex<usize>,
    drained: Condvar,
    rejected: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A batch handed over, waiting for the worker (its bytes are in the journal, not here).
type Queued = EventBatch;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The queue and its worker. Dropping it records what is queued, then stops the worker.
pub struct EventQueue {
    tx: Mutex<Option<Sender<Queued>>>,
    telemetry: Arc<Telemetry>,
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl EventQueue {
    /// Starts the worker, which records into `telemetry`.
    /// Starts the worker, which records into `telemetry`; batches a previous launch handed
    /// over and never recorded are queued first.
    pub fn start(telemetry: Arc<Telemetry>) -> Result<Self, CallError> {
        let (tx, rx) = mpsc::channel::<Queued>();
        let shared = Arc::new(Shared::default());
        let in_worker = shared.clone();
        let worker_telemetry = telemetry.clone();
        let worker = std::thread::Builder::new()
            .name("rn-otel-events".into())
            .spawn(move || {
                let telemetry = worker_telemetry;
                for batch in rx {
                    // A panic here must not leave a barrier waiting: it is caught and counted.
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let refused = telemetry
                            .with_batch_bytes(&batch, |raw| record_batch(&telemetry, &batch, raw))
                            .unwrap_or_default();
                        telemetry.batch_done(&batch);
                        refused
                    }))
                    .unwrap_or_else(|_| vec!["internal error while recording events".into()]);
                    if !outcome.is_empty() {
                        in_worker
                            .rejected
                            .fetch_add(outcome.len() as u64, Ordering::Relaxed);
                        *lock(&in_worker.last_error) = outcome.last().cloned();
                    }
                    let mut pending = lock(&in_worker.pending);
                    *pending = pending.saturating_sub(1);
                    in_worker.drained.notify_all();
                }
            })
            .map_err(|e| CallError::other("init", format!("cannot start a thread ({e})")))?;
        let queue = EventQueue {
            tx: Mutex::new(Some(tx)),
            telemetry,
            shared,
            worker: Mutex::new(Some(worker)),
        };
        for batch in queue.telemetry.take_recovered_batches() {
            queue.send(batch)?;
        }
        Ok(queue)
    }

    /// Hands over a batch as the JS layer serialised it, `[[[name, attributes | null, timeMs],
    /// ...], n]`: numbered and durable when this returns (see the module doc), recorded later.
    pub fn push(&self, raw: Vec<u8>) -> Result<(), CallError> {
        let n = batch_size(&raw)?;
        let batch = self.telemetry.hand_over(&raw, n);
        self.send(batch)
    }

    fn send(&self, batch: EventBatch) -> Result<(), CallError> {
        let tx = lock(&self.tx);
        let Some(tx) = tx.as_ref() else {
            return Err(CallError::other(
                "recordEvent",
                "the library is shutting down",
            ));
        };
        *lock(&self.shared.pending) += 1;
        if tx.send(batch).is_err() {
            let mut pending = lock(&self.shared.pending);
            *pending = pending.saturating_sub(1);
            return Err(CallError::other(
                "recordEvent",
                "the library is shutting down",
            ));
        }
        Ok(())
    }

    /// Waits until every queued batch is recorded (bounded by [`BARRIER_TIMEOUT`]).
    pub fn barrier(&self) {
        let pending = lock(&self.shared.pending);
        if *pending == 0 {
            return;
        }
        let _ = self
            .shared
            .drained
            .wait_timeout_while(pending, BARRIER_TIMEOUT, |p| *p > 0);
    }

    /// Events the worker refused, and the last refusal's message.
    pub fn rejected(&self) -> (u64, Option<String>) {
        (
            self.shared.rejected.load(Ordering::Relaxed),
            lock(&self.shared.last_error).clone(),
        )
    }
}

impl Drop for EventQueue {
    fn drop(&mut self) {
        drop(lock(&self.tx).take()); // the worker ends after what is queued
        if let Some(worker) = lock(&self.worker).take() {
            let _ = worker.join();
        }
    }
}

/// The batch size the JS layer appends to the call's arguments: `[batch, n]` ends in `,n]`.
/// Read from the tail, so the JS thread never parses the batch.
fn batch_size(raw: &[u8]) -> Result<u32, CallError> {
    let bad = || CallError::type_error("recordEvent", "internal: a batch must be [events, count]");
    let text = std::str::from_utf8(raw).map_err(|_| bad())?.trim_end();
    let inner = text.strip_suffix(']').ok_or_else(bad)?;
    let comma = inner.rfind(',').ok_or_else(bad)?;
    let n: u32 = inner[comma + 1..].trim().parse().map_err(|_| bad())?;
    if n > 1_000_000 {
        return Err(bad());
    }
    Ok(n)
}

/// Records one batch; returns a message per refused event.
fn record_batch(telemetry: &Telemetry, batch: &EventBatch, raw: &[u8]) -> Vec<String> {
    let mut refused = Vec::new();
    let mut index: u32 = 0;
    let read = crate::event_batch_json::for_each_event(raw, &mut |event| {
        let i = index;
        index = index.saturating_add(1);
        if i >= batch.count {
            return; // over the handed-over size: counted below
        }
        let outcome = match event {
            Ok(e) => {
                let time = e
                    .time_ms
                    .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_micros((ms * 1000.0) as u64))
                    .unwrap_or_else(SystemTime::now);
                telemetry
                    .record_batch_event(batch, i, &e.name, &e.attributes, time)
                    .map_err(|e| CallError::range_error("recordEvent", e).message)
            }
            Err(message) => {
                telemetry.engine().add_dropped(&batch.session_id, 1);
                Err(message)
            }
        };
        if let Err(message) = outcome {
            refused.push(message);
        }
    });
    let read = match read {
        Ok(n) => {
            if n != batch.count as usize {
                refused.push(format!(
                    "Sessions.recordEvent: internal: a batch of {n} events said it held {}",
                    batch.count
                ));
            }
            n
        }
        Err(message) => {
            refused.push(format!("Sessions.recordEvent: internal: {message}"));
            index as usize
        }
    };
    // Numbers of the batch that no event fills are dropped records: say so on session.end.
    let missing = (batch.count as usize).saturating_sub(read);
    if missing > 0 {
        telemetry
            .engine()
            .add_dropped(&batch.session_id, missing as u64);
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use otel_sessions_engine::Engine;
    use otel_sessions_telemetry::TelemetryConfig;

    /// Telemetry with an endpoint (so batches are journaled and recorded) that is never
    /// reached (no platform transport is registered in these tests).
    fn telemetry(dir: &std::path::Path) -> Arc<Telemetry> {
        let mut cfg = TelemetryConfig::new("queue-test", dir);
        cfg.endpoint = Some("http://127.0.0.1:9".into());
        cfg.transport = Some(Arc::new(crate::platform_transport::PlatformTransport));
        let t = Telemetry::start(cfg, Engine::builder(dir));
        Arc::new(t.expect("telemetry starts"))
    }

    fn batch(n: usize, name: &str) -> Vec<u8> {
        let events: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!([name, {"i": i}, 1_800_000_000_000.0]))
            .collect();
        serde_json::to_vec(&serde_json::json!([events, n])).unwrap()
    }

    #[test]
    fn the_batch_size_is_read_from_the_tail_and_bad_tails_are_refused() {
        assert_eq!(batch_size(b"[[],0]").unwrap(), 0);
        assert_eq!(batch_size(b"[[[\"a,b]\",null,1]], 1 ] ").unwrap(), 1);
        for bad in [
            &b"[[]]"[..],
            b"[[],-1]",
            b"[[],x]",
            b"",
            b"[[],99999999999]",
            b"\xff",
        ] {
            assert!(batch_size(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn the_barrier_returns_once_every_queued_event_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let t = telemetry(dir.path());
        let q = EventQueue::start(t.clone()).unwrap();
        let before = t.engine().record().sequence;
        for _ in 0..20 {
            q.push(batch(50, "tap")).unwrap();
        }
        q.barrier();
        assert_eq!(t.engine().record().sequence, before + 1000 + 1);
        assert_eq!(q.rejected().0, 0);
        // The worker keeps the priority of the thread that started it: the JS thread waits for
        // it at every barrier (see `otel_sessions_engine::background`). Every test here starts
        // its queue from a test thread of this process, so all workers share that priority.
        #[cfg(target_os = "linux")]
        {
            let ours = otel_sessions_engine::background::this_thread_nice();
            let workers = otel_sessions_test_support::threads_named("rn-otel-events");
            assert!(
                !workers.is_empty() && workers.iter().all(|(_, nice)| *nice == ours),
                "{workers:?}, not at {ours}"
            );
        }
    }

    #[test]
    fn refusals_are_counted_with_their_message_and_do_not_stop_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let t = telemetry(dir.path());
        let q = EventQueue::start(t.clone()).unwrap();
        let raw = serde_json::to_vec(&serde_json::json!([[
            ["ok", null, 1.0],
            ["", null, 1.0],
            ["bad", {"session.id": "x"}, 1.0],
            ["ok", null, 2.0],
        ], 4]))
        .unwrap();
        let before = t.engine().record().sequence;
        q.push(raw).unwrap();
        assert!(
            q.push(b"not json".to_vec()).is_err(),
            "no size: refused on the JS thread"
        );
        q.push(b"[not json, 2]".to_vec()).unwrap();
        q.barrier();
        // Every handed-over event took its number where it was handed over.
        assert_eq!(t.engine().record().sequence, before + 4 + 2 + 1);
        let (n, last) = q.rejected();
        assert_eq!(n, 3, "two refused events and one unreadable batch");
        assert!(last.unwrap().starts_with("Sessions.recordEvent:"));
    }

    #[test]
    fn dropping_the_queue_records_what_is_queued_first() {
        let dir = tempfile::tempdir().unwrap();
        let t = telemetry(dir.path());
        let before = t.engine().record().sequence;
        let q = EventQueue::start(t.clone()).unwrap();
        q.push(batch(200, "late")).unwrap();
        drop(q);
        assert_eq!(t.engine().record().sequence, before + 200 + 1);
    }
}
