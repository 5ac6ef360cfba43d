//! The running server: [`Receiver`], its accept thread, the registry of open connections,
//! and an orderly stop.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::config::ReceiverConfig;
use crate::connection;
use crate::fault::Fault;
use crate::model::{Received, ReceivedRequest};
use crate::store::Store;

/// The stop flag, with a way to sleep that a stop cuts short.
pub(crate) struct StopSignal {
    stopped: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl StopSignal {
    fn new() -> StopSignal {
        StopSignal {
            stopped: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn trigger(&self) {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.stopped.store(true, Ordering::SeqCst);
        self.wake.notify_all();
    }

    /// Sleeps for `duration` unless stopped first; returns `true` if stopped.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now().checked_add(duration);
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.is_stopped() {
                return true;
            }
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return false;
            }
            guard = match self.wake.wait_timeout(guard, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

/// Open connections (a clone of each socket, to shut it down on stop) and their threads.
#[derive(Default)]
struct Connections {
    next_id: u64,
    open: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// Everything the accept and connection threads share with the [`Receiver`] handle.
pub(crate) struct Shared {
    pub config: ReceiverConfig,
    pub store: Store,
    pub stop: StopSignal,
    connections: Mutex<Connections>,
}

impl Shared {
    fn connections(&self) -> MutexGuard<'_, Connections> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running OTLP/HTTP receiver on `127.0.0.1`.
///
/// It serves `POST /v1/traces` and `POST /v1/logs` (protobuf, gzip or identity) on its own
/// threads (one accepting, one per connection), records every request, keeps the decoded
/// content of the accepted ones, and answers according to the queued [`Fault`]s.
///
/// [`Receiver::stop`] (or dropping the value) closes the listener, shuts down open
/// connections, cuts pending delays short and joins every thread; afterwards the port can
/// be bound again.
pub struct Receiver {
    shared: Arc<Shared>,
    port: u16,
    accept_thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("port", &self.port)
            .field("running", &self.accept_thread.is_some())
            .finish()
    }
}

impl Receiver {
    /// Starts a receiver on `127.0.0.1` with a system-chosen free port and default settings.
    ///
    /// # Errors
    /// Binding the listener or spawning its thread failed.
    pub fn start() -> io::Result<Receiver> {
        Receiver::start_with(ReceiverConfig::default())
    }

    /// Starts a receiver on `127.0.0.1:port` with default settings (`port` 0 picks a free
    /// one). Use it to bring a receiver back on the port of one that was stopped.
    ///
    /// # Errors
    /// The port is in use, or spawning the thread failed.
    pub fn start_on(port: u16) -> io::Result<Receiver> {
        Receiver::start_with(ReceiverConfig::default().port(port))
    }

    /// Starts a receiver with explicit settings.
    ///
    /// # Errors
    /// Binding the listener or spawning its thread failed.
    pub fn start_with(config: ReceiverConfig) -> io::Result<Receiver> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            config,
            store: Store::new(),
            stop: StopSignal::new(),
            connections: Mutex::new(Connections::default()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("otlp-receiver-{port}"))
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(Receiver {
            shared,
            port,
            accept_thread: Some(accept_thread),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash, no path).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `{endpoint}/v1/traces`.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint())
    }

    /// `{endpoint}/v1/logs`.
    pub fn logs_url(&self) -> String {
        format!("{}/v1/logs", self.endpoint())
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Queues faults, applied one per request in arrival order (of request heads) after
    /// any already queued. When the queue is empty the default fault applies.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.store.push_faults(faults);
    }

    /// Sets the fault applied when the queue is empty (initially [`Fault::Ok`]), e.g.
    /// `Fault::Status(503)` for a backend that is down until told otherwise.
    pub fn set_default(&self, fault: Fault) {
        self.shared.store.set_default(fault);
    }

    /// Number of queued faults not yet taken by a request.
    pub fn pending_faults(&self) -> usize {
        self.shared.store.pending_faults()
    }

    /// Drops the queued faults (the default fault is kept).
    pub fn clear_faults(&self) {
        self.shared.store.clear_faults();
    }

    /// Every request whose head arrived so far, in arrival order, accepted or not
    /// (including malformed ones, with empty method and path when the request line was
    /// unreadable). Requests still being handled have `complete == false`.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.store.requests()
    }

    /// The decoded content of every request answered 2xx so far.
    pub fn received(&self) -> Received {
        self.shared.store.received()
    }

    /// Waits until `pred` holds on the accepted data, re-evaluating it after every change;
    /// `true` if it held within `timeout`, `false` otherwise. `pred` runs without any lock
    /// held, so it may call methods of this receiver.
    pub fn wait_for(&self, pred: impl Fn(&Received) -> bool, timeout: Duration) -> bool {
        self.shared.store.wait_received(pred, timeout)
    }

    /// Like [`Receiver::wait_for`], on the request records (useful for refused requests,
    /// which never reach [`Receiver::received`]).
    pub fn wait_for_requests(
        &self,
        pred: impl Fn(&[ReceivedRequest]) -> bool,
        timeout: Duration,
    ) -> bool {
        self.shared.store.wait_requests(pred, timeout)
    }

    /// Forgets the request records and the accepted data (queued faults and the default
    /// are kept). Requests in flight still complete and their accepted data is recorded.
    pub fn clear(&self) {
        self.shared.store.clear();
    }

    /// Stops the receiver: closes the listener, shuts down open connections (requests in
    /// flight get no answer), and joins every thread. When it returns the port is free.
    /// Dropping the receiver does the same.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        self.shared.stop.trigger();
        // Wake the accept thread, blocked in accept(), with a connection of our own.
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let woke =
            (0..3).any(|_| TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok());
        if woke || accept_thread.is_finished() {
            let _ = accept_thread.join();
        }
        // Otherwise the accept thread is left detached: it exits on its next connection.

        let (open, threads) = {
            let mut connections = self.shared.connections();
            (
                std::mem::take(&mut connections.open),
                std::mem::take(&mut connections.threads),
            )
        };
        for stream in open.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        drop(open);
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    /// Same as [`Receiver::stop`].
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stop.is_stopped() {
            return;
        }
        match accepted {
            Ok((stream, _)) => spawn_connection(stream, shared),
            // Out of descriptors and the like: back off instead of spinning.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn spawn_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let _ = stream.set_nonblocking(false);
    let Ok(registered) = stream.try_clone() else {
        return; // cannot be shut down on stop: refuse it
    };
    let mut connections = shared.connections();
    connections.threads.retain(|thread| !thread.is_finished());
    let id = connections.next_id;
    connections.next_id += 1;
    connections.open.insert(id, registered);
    let thread_shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name(format!("otlp-receiver-conn-{id}"))
        .spawn(move || {
            connection::serve(stream, &thread_shared);
            thread_shared.connections().open.remove(&id);
        });
    match spawned {
        Ok(thread) => connections.threads.push(thread),
        Err(_) => {
            connections.open.remove(&id);
        }
    }
}
