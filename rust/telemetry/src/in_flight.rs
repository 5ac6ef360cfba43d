//! A bound on what waits in each batch processor, so that the SDK never drops silently.
//!
//! ```text
//!  gate ─admit()─► BatchSpan/LogProcessor queue ─► Counted exporter ─left(n)─► OTLP exporter
//!        └─ over the bound: dropped here, counted against the record's session
//! ```
//!
//! The SDK's batch processors drop a record, uncounted, when their queue is full. The gate
//! admits a record only while fewer than the queue size minus a reserve are in flight
//! (handed to the processor and not yet to its exporter). Over the bound the record is
//! dropped before the SDK sees it and counted in its session's `dropped_count`, so a gap in
//! `seq` is explained on `session.end`. `session.start` and `session.end` are always
//! admitted: the reserve keeps room for them.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

/// Queue slots kept for the library's own `session.start` / `session.end`.
const RESERVE: usize = 256;

/// Records handed to one batch processor and not yet to its exporter.
#[derive(Debug)]
pub(crate) struct InFlight {
    count: AtomicUsize,
    limit: usize,
}

impl InFlight {
    /// A bound for a processor whose queue holds `queue_size` records.
    pub fn new(queue_size: usize) -> Arc<Self> {
        Arc::new(InFlight {
            count: AtomicUsize::new(0),
            limit: queue_size.saturating_sub(RESERVE).max(1),
        })
    }

    /// Takes a slot for one record; `false` (nothing taken) when the bound is reached,
    /// unless `always`.
    pub fn admit(&self, always: bool) -> bool {
        let before = self.count.fetch_add(1, Ordering::AcqRel);
        if before < self.limit || always {
            return true;
        }
        self.count.fetch_sub(1, Ordering::AcqRel);
        false
    }

    /// `n` records reached the exporter.
    fn left(&self, n: usize) {
        let _ = self
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                Some(c.saturating_sub(n))
            });
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }
}

/// An exporter that frees [`InFlight`] slots as batches reach it, then delegates.
#[derive(Debug)]
pub(crate) struct Counted<E> {
    pub inner: E,
    pub flight: Arc<InFlight>,
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.flight.left(batch.len());
        self.inner.export(batch)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: LogExporter> LogExporter for Counted<E> {
    fn export(&self, batch: LogBatch<'_>) -> impl Future<Output = OTelSdkResult> + Send {
        self.flight.left(batch.iter().count());
        self.inner.export(batch)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_bound_then_only_what_must_pass() {
        let f = InFlight::new(RESERVE + 3);
        assert!((0..3).all(|_| f.admit(false)));
        assert!(!f.admit(false), "the fourth is over the bound");
        assert_eq!(f.count(), 3, "a refused record takes no slot");
        assert!(f.admit(true), "session events always pass");
        f.left(2);
        assert!(f.admit(false));
        f.left(100);
        assert_eq!(f.count(), 0, "never below zero");
    }
}
