//! [`Engine`]: the thread-safe session engine, and its builder.
//!
//! ```text
//!   JS thread ─┐                       ┌─► state file (atomic)      ┐ written before
//!   lifecycle ─┼─► Mutex<Machine> ─────┤                            │ start/end notes
//!   timer ─────┘   (expiry checked     └─► Notifier ─► observers ◄──┘ are delivered
//!                   on every access)
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::app_state::AppState;
use crate::attributes::{insert_checked, AttributeError, AttributeValue, Attributes};
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::codec;
use crate::diagnostics::{Diagnostics, LaunchOutcome};
use crate::error::EngineError;
use crate::events::SessionObserver;
use crate::history::SessionRecord;
use crate::machine::{Effects, Machine, Note};
use crate::notifier::{lock, Notifier, SubscriptionId};
use crate::policy::SessionPolicy;
use crate::save_asks::{SaveAsks, ASK_WAIT};
use crate::session::Session;
use crate::session_id::SessionId;
use crate::storage_lock::StorageLock;
use crate::store::{Loaded, StateStore};
use crate::timer::{self, Tick, TimerCtl, MAX_SLEEP};

/// The default time within which a change that is not urgent reaches the disk.
pub const DEFAULT_PERSIST_INTERVAL: Duration = Duration::from_secs(1);

/// A record's place in its session: stamp it on the record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordStamp {
    /// The session the record belongs to.
    pub session: Arc<Session>,
    /// The record's sequence number: 1, 2, 3, … within the session, without gaps.
    pub sequence: u64,
}

/// The session engine. Cheap to clone (all clones share one engine), `Send + Sync`,
/// callable from any thread.
///
/// * Exactly one current session exists from [`EngineBuilder::build`] on.
/// * Expiry is checked on every call and by a timer thread, so `session.end` is emitted on
///   time while the process lives and at the latest on the next call after a freeze.
/// * The last clone dropped (or [`Engine::shutdown`]) saves the state and marks the exit clean.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    /// Shared by the handles only (the timer holds `inner` for a moment at a time), so
    /// the last handle's drop shuts down synchronously, on the dropping thread.
    _owner: Arc<Owner>,
}

struct Owner(Arc<Inner>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.shutdown();
    }
}

struct Core {
    machine: Machine,
    version: u64,
}

struct Inner {
    clock: Arc<dyn Clock>,
    store: StateStore,
    core: Mutex<Core>,
    /// The newest state version whose write was attempted.
    writer: Mutex<u64>,
    notifier: Notifier,
    timer: Arc<TimerCtl>,
    /// Whether a timer thread was started (it serves [`Inner::save_asks`] until shutdown).
    timer_runs: AtomicBool,
    /// Saves asked of the timer thread by [`Engine::write_state`].
    save_asks: SaveAsks,
    dirty: AtomicBool,
    dirty_since: Mutex<Option<Instant>>,
    persist_interval: Duration,
    shut_down: AtomicBool,
    persist_failures: AtomicU64,
    last_persist_error: Mutex<Option<String>>,
    corrupt_states_recovered: u64,
    launch: LaunchOutcome,
    /// Held for the engine's life: no other process uses this storage directory meanwhile.
    /// Dropped after `Drop::drop` (the final save) has run.
    _lock: Arc<StorageLock>,
}

impl Engine {
    /// A builder for an engine that keeps its state in `storage_dir`.
    pub fn builder(storage_dir: impl AsRef<Path>) -> EngineBuilder {
        EngineBuilder {
            storage_dir: storage_dir.as_ref().to_path_buf(),
            policy: SessionPolicy::default(),
            clock: Arc::new(SystemClock),
            observers: Vec::new(),
            initial_attributes: Vec::new(),
            app_state: AppState::Foreground,
            timer: true,
            persist_interval: DEFAULT_PERSIST_INTERVAL,
            lock: None,
            durable_counts: Vec::new(),
        }
    }

    /// The current session. Reading is not activity: it never extends a session, but it
    /// does end one that has expired.
    pub fn current(&self) -> Arc<Session> {
        self.inner.run(|m, now, fx| m.current(now, fx))
    }

    /// Ends the current session (reason `manual`) and starts a new one at once, with the
    /// initial attributes only (as after a sign-out). Returns the new session.
    pub fn end(&self) -> Arc<Session> {
        self.inner.run(|m, now, fx| m.end_manual(now, fx))
    }

    /// Records activity: starts a pending session and resets the inactivity timeout.
    pub fn touch(&self) {
        self.inner.run(|m, now, fx| m.touch(now, fx))
    }

    /// Records activity that produced a telemetry record, and returns the record's
    /// session and gap-free sequence number.
    ///
    /// The count is saved lazily (within the persist interval). After a kill, a resumed
    /// session continues from the last saved count, so numbers handed out after that save
    /// are handed out again. A layer that makes records durable must therefore call
    /// [`Engine::persist`] *before* writing a batch: then every number reaches the disk at
    /// most once, and a gap always means records that were really lost.
    pub fn record(&self) -> RecordStamp {
        let (session, sequence) = self.inner.run(|m, now, fx| m.record(now, fx));
        RecordStamp { session, sequence }
    }

    /// [`Engine::record`] for `n` records at once (`n` ≥ 1; 0 counts as 1): one activity, and
    /// the first of `n` consecutive sequence numbers of the returned session. For a layer that
    /// hands a batch to another thread and must number it where it was recorded.
    pub fn record_n(&self, n: u64) -> RecordStamp {
        let (session, sequence) = self.inner.run(|m, now, fx| m.record_n(n, now, fx));
        RecordStamp { session, sequence }
    }

    /// Sets an attribute on the current session; it is persisted and stamped on all later
    /// telemetry of the session, and carried to sessions that follow by expiry.
    /// Setting the value it already has changes nothing and notifies no one.
    pub fn set_attribute(&self, key: &str, value: AttributeValue) -> Result<(), AttributeError> {
        self.inner
            .run(|m, now, fx| m.set_attribute(key, value, now, fx))
    }

    /// Removes an attribute; `Ok(false)` if it was not set.
    pub fn remove_attribute(&self, key: &str) -> Result<bool, AttributeError> {
        self.inner
            .run(|m, now, fx| m.remove_attribute(key, now, fx))
    }

    /// Marks the current session sampled (error upsampling); `true` if it was not yet.
    pub fn mark_sampled(&self) -> bool {
        self.inner.run(|m, now, fx| m.mark_sampled(now, fx))
    }

    /// Counts `n` records of `session` as dropped, for its `session.end`. Ignored (returns
    /// `false`) once that session has ended.
    pub fn add_dropped(&self, session: &SessionId, n: u64) -> bool {
        self.inner.run(|m, _, fx| m.add_dropped(session, n, fx))
    }

    /// The app came to the foreground. After more than the background timeout in the
    /// background, the old session ends and a new one starts. This is activity.
    pub fn foreground(&self) {
        self.inner.run(|m, now, fx| m.foreground(now, fx))
    }

    /// The app went to the background. The state is saved at once (the OS may kill a
    /// background app without warning).
    pub fn background(&self) {
        self.inner.run(|m, now, fx| m.background(now, fx))
    }

    /// The app state the engine believes in.
    pub fn app_state(&self) -> AppState {
        lock(&self.inner.core).machine.app_state
    }

    /// Ended sessions, oldest first, at most the policy's history limit.
    pub fn history(&self) -> Vec<SessionRecord> {
        self.current();
        lock(&self.inner.core)
            .machine
            .history
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets the ended sessions kept in the history (saved at once). The current session
    /// is not affected.
    pub fn clear_history(&self) {
        self.inner.run(|m, _, fx| m.clear_history(fx))
    }

    /// Erases the history and the current session ("delete my data"): a fresh session starts
    /// with the initial attributes and links to nothing (`previous_id` is `None`); the erased
    /// session gets no `session.end`, and starts or ends not yet handled are dropped. Call
    /// [`Engine::poll`] first to settle a pending expiry, whose events the caller disposes of.
    pub fn erase(&self) -> Arc<Session> {
        self.inner.run(|m, now, fx| m.erase(now, fx))
    }

    /// Registers an observer for later notifications.
    pub fn subscribe(&self, observer: Arc<dyn SessionObserver>) -> SubscriptionId {
        self.inner.notifier.subscribe(observer)
    }

    /// Removes an observer; `false` if it was not registered. A notification being
    /// delivered at this moment may still reach it.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        self.inner.notifier.unsubscribe(id)
    }

    /// Ends the current session now if it has expired (what the timer does).
    pub fn poll(&self) {
        self.inner.run(|m, now, fx| m.check(now, fx))
    }

    /// Writes the current state to disk now, if it changed since the last write. On failure
    /// the error text names the file and the cause; the engine keeps the state in memory and
    /// retries on its next tick.
    pub fn persist(&self) -> Result<(), String> {
        self.inner.persist_now(false);
        self.inner.save_result()
    }

    /// Writes the current state to disk, if it changed, like [`Engine::persist`], and returns
    /// once it is written, but never delivers notifications on the calling thread (the threads
    /// that caused them deliver them), and does not write on the calling thread while the timer
    /// thread runs: the timer, at the app's priority, writes it (waited for at most 100 ms, then
    /// written here; written here at once after a shutdown, or while an earlier write asked of
    /// the timer is still not made). For a thread at background priority that must not run
    /// observers: an
    /// exporter saving sequence numbers before a batch, whose observers would flush, and so
    /// wait on, that very thread; and which, preempted while holding the state file's lock,
    /// would keep the app's threads waiting for theirs.
    pub fn write_state(&self) -> Result<(), String> {
        let i = &self.inner;
        if i.needs_write() && !(i.timer_runs.load(Ordering::SeqCst) && i.ask_timer_to_write()) {
            i.write_now(false);
        }
        i.save_result()
    }

    /// Tests: the writes asked of the timer thread.
    #[cfg(test)]
    pub(crate) fn inner_save_asks(&self) -> &SaveAsks {
        &self.inner.save_asks
    }

    /// Saves the state, marks the exit clean and stops the timer. Idempotent. The engine
    /// keeps answering afterwards (in memory, still saving urgent changes), but call this
    /// only when the process is about to exit: a clean mark hides a later crash.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    /// What the engine found at launch.
    pub fn launch_outcome(&self) -> &LaunchOutcome {
        &self.inner.launch
    }

    /// Problems absorbed so far.
    pub fn diagnostics(&self) -> Diagnostics {
        let i = &self.inner;
        Diagnostics {
            corrupt_states_recovered: i.corrupt_states_recovered,
            persist_failures: i.persist_failures.load(Ordering::Relaxed),
            last_persist_error: lock(&i.last_persist_error).clone(),
            observer_panics: i.notifier.observer_panics(),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> SessionPolicy {
        lock(&self.inner.core).machine.policy.clone()
    }
}

impl Inner {
    /// Runs one operation: under the state lock, then saves (urgent changes at once,
    /// others within the persist interval) and delivers its notifications.
    fn run<R>(&self, op: impl FnOnce(&mut Machine, Timestamp, &mut Effects) -> R) -> R {
        let mut fx = Effects::default();
        let mut core = lock(&self.core);
        // Read under the lock, so operations see time in the order they happen.
        let now = self.clock.now();
        let r = op(&mut core.machine, now, &mut fx);
        if !fx.urgent && !fx.dirty && fx.notes.is_empty() {
            return r;
        }
        core.version += 1;
        let version = core.version;
        let has_notes = !fx.notes.is_empty();
        if has_notes {
            let needs = if fx.urgent { version } else { 0 };
            self.notifier.push(needs, fx.notes.drain(..));
        }
        let save = fx.urgent.then(|| self.encode(&core.machine, now));
        drop(core);
        match save {
            Some(bytes) => {
                self.write(version, &bytes);
                self.timer.kick();
            }
            None => self.mark_dirty(),
        }
        if has_notes {
            self.deliver();
        }
        r
    }

    fn deliver(&self) {
        self.notifier
            .deliver(&|event_no| self.run(|m, _, fx| m.ack(event_no, fx)));
    }

    fn encode(&self, m: &Machine, now: Timestamp) -> Vec<u8> {
        let clean = self.shut_down.load(Ordering::SeqCst);
        codec::encode(m, clean, now, self.clock.boot_id().as_deref())
    }

    fn write(&self, version: u64, bytes: &[u8]) {
        let mut last = lock(&self.writer);
        if version <= *last {
            return; // a newer state is already on disk
        }
        match self.store.save(bytes) {
            Ok(()) => *lock(&self.last_persist_error) = None,
            Err(e) => {
                self.persist_failures.fetch_add(1, Ordering::Relaxed);
                *lock(&self.last_persist_error) = Some(format!(
                    "writing {}: {e}",
                    self.store.state_path().display()
                ));
                // Try again with the next tick.
                self.dirty.store(true, Ordering::SeqCst);
            }
        }
        *last = version;
        self.notifier.mark_written(version);
    }

    fn mark_dirty(&self) {
        if !self.dirty.swap(true, Ordering::SeqCst) {
            *lock(&self.dirty_since) = Some(Instant::now());
            self.timer.kick();
        }
    }

    /// The outcome of the latest save: the error text while saves fail.
    fn save_result(&self) -> Result<(), String> {
        match lock(&self.last_persist_error).clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Writes the state now; unless `force`, only if it changed since the last write. Then
    /// delivers what the write made deliverable.
    fn persist_now(&self, force: bool) {
        self.write_now(force);
        self.deliver();
    }

    /// Whether the state changed since its last write (what [`Inner::write_now`] would write).
    fn needs_write(&self) -> bool {
        self.dirty.load(Ordering::SeqCst) || self.notifier.written() < lock(&self.core).version
    }

    /// Has the timer thread write the state as it is now; `false` if it will not (stopped,
    /// or busy since an earlier ask) or did not within [`ASK_WAIT`]: the caller writes it then.
    fn ask_timer_to_write(&self) -> bool {
        let Some(ticket) = self.save_asks.ask() else {
            return false;
        };
        self.timer.kick();
        self.save_asks.wait(ticket, ASK_WAIT)
    }

    /// On the timer thread: the writes asked so far ([`Engine::write_state`]).
    fn serve_write_asks(&self) {
        if let Some(upto) = self.save_asks.pending() {
            self.write_now(false);
            self.save_asks.served(upto);
        }
    }

    /// [`Inner::persist_now`] without delivering. Safe: a note waiting for a state version
    /// is delivered by the thread that queued it, after its own write (which finds this
    /// newer version already on disk, or writes it).
    fn write_now(&self, force: bool) {
        let was_dirty = self.dirty.swap(false, Ordering::SeqCst);
        let (version, bytes) = {
            let mut core = lock(&self.core);
            if !force && !was_dirty && self.notifier.written() >= core.version {
                return; // what is on disk is current
            }
            core.version += 1;
            let now = self.clock.now();
            (core.version, self.encode(&core.machine, now))
        };
        self.write(version, &bytes);
    }

    fn shutdown(&self) {
        if self.shut_down.swap(true, Ordering::SeqCst) {
            return;
        }
        self.timer.stop();
        // No more writes are asked of the timer; one asked that it will not make now is served
        // by this one.
        let asked = self.save_asks.close();
        self.persist_now(true);
        if let Some(upto) = asked {
            self.save_asks.served(upto);
        }
    }
}

impl Tick for Inner {
    fn tick(&self) -> Duration {
        // First: a thread waits for it (and the check below may run observers).
        self.serve_write_asks();
        self.run(|m, now, fx| m.check(now, fx));
        let mut wait = MAX_SLEEP;
        if self.dirty.load(Ordering::SeqCst) {
            let since = lock(&self.dirty_since).unwrap_or_else(Instant::now);
            let due = since + self.persist_interval;
            match due.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => wait = wait.min(left),
                _ => self.persist_now(false),
            }
        }
        let deadline = lock(&self.core).machine.deadline();
        if let Some((at, _)) = deadline {
            let left = at.saturating_sub(self.clock.now().mono_ms).max(0) + 1;
            wait = wait.min(Duration::from_millis(left as u64));
        }
        wait
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Builds an [`Engine`]: loads the stored state, ends or resumes the stored session,
/// and starts the first session of this launch.
pub struct EngineBuilder {
    storage_dir: PathBuf,
    policy: SessionPolicy,
    clock: Arc<dyn Clock>,
    observers: Vec<Arc<dyn SessionObserver>>,
    initial_attributes: Vec<(String, AttributeValue)>,
    app_state: AppState,
    timer: bool,
    persist_interval: Duration,
    lock: Option<Arc<StorageLock>>,
    durable_counts: Vec<(SessionId, u64)>,
}

impl EngineBuilder {
    /// The session policy (default: [`SessionPolicy::default`]).
    pub fn policy(mut self, policy: SessionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// An observer that must see the launch's own notifications (the `session.end` of a
    /// previous run, the first `session.start`): telemetry sinks are registered here.
    pub fn observer(mut self, observer: Arc<dyn SessionObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// An attribute every new session starts with (checked by `build`).
    pub fn initial_attribute(mut self, key: impl Into<String>, value: AttributeValue) -> Self {
        self.initial_attributes.push((key.into(), value));
        self
    }

    /// The app state at launch (default foreground; say background for a headless launch).
    pub fn app_state(mut self, state: AppState) -> Self {
        self.app_state = state;
        self
    }

    /// Whether to run the timer thread (default true). Without it, expiry happens only on
    /// calls, and changes that are not urgent are saved only by [`Engine::persist`],
    /// urgent changes and shutdown.
    pub fn timer(mut self, enabled: bool) -> Self {
        self.timer = enabled;
        self
    }

    /// Longest a non-urgent change (touch, record, attribute) waits before it is written
    /// (default 1 s). Starts, ends and lifecycle changes are written at once.
    pub fn persist_interval(mut self, interval: Duration) -> Self {
        self.persist_interval = interval;
        self
    }

    /// The storage directory's lock, when the caller already holds it (a layer that uses
    /// the directory before the engine is built). Without it, `build` takes the lock itself.
    /// A lock for another directory is ignored and the right one is taken.
    pub fn storage_lock(mut self, lock: Arc<StorageLock>) -> Self {
        self.lock = Some(lock);
        self
    }

    /// The lock given by [`EngineBuilder::storage_lock`], if it holds this builder's directory.
    pub fn held_lock(&self) -> Option<Arc<StorageLock>> {
        self.lock
            .as_ref()
            .filter(|l| l.dir() == self.storage_dir)
            .cloned()
    }

    /// Records of `session` numbered up to `count` are known to be on disk (a journal found
    /// them at launch). Numbers are handed out lazily saved, so after a kill the stored count
    /// can be lower than the last number a record carries; with this, the stored session's
    /// count is raised first, so its numbers are never reused and its `session.end` counts
    /// them. A count for a session that is not the stored current one is ignored.
    pub fn durable_count(mut self, session: SessionId, count: u64) -> Self {
        self.durable_counts.push((session, count));
        self
    }

    /// Loads or creates the state and starts this launch's session.
    ///
    /// * another process holds the storage directory: [`EngineError::StorageInUse`], and
    ///   nothing in the directory is read or written;
    /// * no state file: a new session starts (`FirstLaunch`);
    /// * a readable state: its session is resumed if the policy allows and it has not
    ///   expired; otherwise it is ended (`session.end` with the reason) and a new one starts;
    /// * an unreadable or invalid state: it is quarantined, counted, and a new session starts
    ///   (a file the system refuses for now, such as with too many open files, is read again
    ///   for up to 130 ms first: it may be whole).
    ///
    /// Fails only for a storage directory that is unusable or in use by another process, an
    /// invalid initial attribute, or a timer thread the OS refuses.
    pub fn build(self) -> Result<Engine, EngineError> {
        let storage_lock = match self.lock {
            Some(l) if l.dir() == self.storage_dir => l,
            _ => StorageLock::acquire(&self.storage_dir)?,
        };
        let store = StateStore::open(&self.storage_dir).map_err(|source| EngineError::Storage {
            path: self.storage_dir.clone(),
            source,
        })?;
        let mut initial = Attributes::new();
        for (k, v) in self.initial_attributes {
            insert_checked(&mut initial, &k, v).map_err(EngineError::InvalidInitialAttribute)?;
        }

        let now = self.clock.now();
        let boot_id = self.clock.boot_id();
        let (stored, mut launch, corrupt) = match store.load() {
            Loaded::Missing => (None, LaunchOutcome::FirstLaunch, 0),
            Loaded::Unreadable(why) => (None, LaunchOutcome::RecoveredCorruptState(why), 1),
            Loaded::Bytes(bytes) => match codec::decode(&bytes, now, boot_id.as_deref()) {
                Ok(s) => {
                    let outcome = if s.live.snapshot.pending {
                        LaunchOutcome::StartedPending
                    } else {
                        LaunchOutcome::Resumed
                    };
                    (Some(s), outcome, 0)
                }
                Err(e) => (None, LaunchOutcome::RecoveredCorruptState(e.0), 1),
            },
        };
        if corrupt > 0 {
            store.quarantine();
        }
        let mut stored = stored;
        if let Some(s) = stored.as_mut() {
            for (id, count) in &self.durable_counts {
                if *id == s.live.snapshot.id && !s.live.snapshot.pending {
                    s.live.record_count = s
                        .live
                        .record_count
                        .max((*count).min(crate::machine::MAX_COUNT));
                }
            }
        }
        let mut fx = Effects::default();
        let machine = Machine::launch(self.policy, initial, self.app_state, stored, now, &mut fx);
        if let Some(reason) = fx.notes.iter().find_map(|n| match n {
            Note::Ended(_, e) if !e.replayed => Some(e.reason),
            _ => None,
        }) {
            launch = LaunchOutcome::EndedPrevious(reason);
        }

        let inner = Arc::new(Inner {
            clock: self.clock,
            store,
            core: Mutex::new(Core {
                machine,
                version: 1,
            }),
            writer: Mutex::new(0),
            notifier: Notifier::default(),
            timer: Arc::new(TimerCtl::default()),
            timer_runs: AtomicBool::new(false),
            save_asks: SaveAsks::default(),
            dirty: AtomicBool::new(false),
            dirty_since: Mutex::new(None),
            persist_interval: self.persist_interval,
            shut_down: AtomicBool::new(false),
            persist_failures: AtomicU64::new(0),
            last_persist_error: Mutex::new(None),
            corrupt_states_recovered: corrupt,
            launch,
            _lock: storage_lock,
        });
        for o in self.observers {
            inner.notifier.subscribe(o);
        }
        {
            let core = lock(&inner.core);
            inner.notifier.push(1, fx.notes);
            let bytes = inner.encode(&core.machine, now);
            drop(core);
            inner.write(1, &bytes);
        }
        inner.deliver();
        if self.timer {
            timer::spawn(Arc::downgrade(&inner), inner.timer.clone())
                .map_err(EngineError::Timer)?;
            inner.timer_runs.store(true, Ordering::SeqCst);
        }
        Ok(Engine {
            _owner: Arc::new(Owner(inner.clone())),
            inner,
        })
    }
}
