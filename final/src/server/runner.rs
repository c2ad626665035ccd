//! Who runs an event loop: a runner thread, and a watchdog that replaces it
//! when a handler it is running inline blocks. The whole story is in
//! `final/docs/architecture.md` ("The watchdog"); the cell's states:
//!
//! ```text
//!  state:  OWNED ──handler starts──▶ t0 ──handler returns (CAS t0→OWNED)──▶ OWNED
//!                                     │
//!                                     └─ watchdog: now - t0 > takeover_after (CAS t0→TAKEN)
//!                                            ▶ new runner: lock, state = OWNED, carry on
//!                                            ▶ old runner, when its handler returns: CAS fails,
//!                                              answer via the inbox, leftovers to the pool, exit
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::Events;

use crate::server::dispatch::{answer, offload};
use crate::server::event_loop::EventLoop;
use crate::server::shared::{Message, Shared};
use crate::server::worker_pool::WorkerPool;

/// The cell's loop has a runner that is not inside a handler.
const OWNED: u64 = 0;
/// The watchdog has replaced the runner; the old one must let go.
const TAKEN: u64 = u64::MAX;

/// An event loop and who runs it; see the states above.
pub(crate) struct LoopCell {
    event_loop: Mutex<EventLoop>,
    /// [`OWNED`], [`TAKEN`], or the time (nanoseconds since `epoch`, plus one)
    /// at which the runner started an inline handler.
    state: AtomicU64,
}

impl LoopCell {
    pub(crate) fn new(event_loop: EventLoop) -> LoopCell {
        LoopCell {
            event_loop: Mutex::new(event_loop),
            state: AtomicU64::new(OWNED),
        }
    }

    fn lock(&self) -> MutexGuard<'_, EventLoop> {
        // A panic inside a loop is a bug, but the loop's state is still
        // usable; keep serving rather than poison every later request.
        self.event_loop.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the runners and the watchdog share.
pub(crate) struct Runners {
    pub cells: Vec<LoopCell>,
    pub shared: Arc<Shared>,
    /// Where a replaced runner sends the requests it had not started.
    pool: WorkerPool,
    /// Where handler start times are counted from.
    epoch: Instant,
    /// How many loops have finished (shutdown drained them), with a condvar
    /// for [`Runners::wait_until_finished`].
    finished: Mutex<usize>,
    finished_changed: std::sync::Condvar,
}

impl Runners {
    pub(crate) fn new(cells: Vec<LoopCell>, shared: Arc<Shared>, pool: WorkerPool) -> Runners {
        Runners {
            cells,
            shared,
            pool,
            epoch: Instant::now(),
            finished: Mutex::new(0),
            finished_changed: std::sync::Condvar::new(),
        }
    }

    /// `at` as a `state` value: nanoseconds since the epoch, plus one so
    /// that a handler started at the epoch is not [`OWNED`].
    fn stamp(&self, at: Instant) -> u64 {
        at.duration_since(self.epoch).as_nanos() as u64 + 1
    }

    /// Blocks until every loop has finished.
    pub(crate) fn wait_until_finished(&self) {
        let mut finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        while *finished < self.cells.len() {
            finished = self
                .finished_changed
                .wait(finished)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    fn all_finished(&self) -> bool {
        *self.finished.lock().unwrap_or_else(|e| e.into_inner()) >= self.cells.len()
    }
}

/// Starts a runner thread for loop `index`. It is not joined: a runner that
/// was replaced may stay stuck in its handler for as long as the handler
/// likes, and nobody should wait for that.
pub(crate) fn spawn_runner(runners: &Arc<Runners>, index: usize) -> std::io::Result<()> {
    let runners = runners.clone();
    std::thread::Builder::new()
        .name(format!("httprs-loop-{index}"))
        .spawn(move || run(&runners, index))
        .map(drop)
}

fn run(runners: &Runners, index: usize) {
    let cell = &runners.cells[index];
    let shared = &runners.shared;
    let mut events = Events::with_capacity(1024);
    let mut jobs = Vec::new();
    loop {
        let mut event_loop = cell.lock();
        // Whoever holds the lock runs the loop (after a takeover, that is us).
        cell.state.store(OWNED, Ordering::SeqCst);
        if event_loop.turn(&mut events) {
            drop(event_loop);
            let mut finished = runners.finished.lock().unwrap_or_else(|e| e.into_inner());
            *finished += 1;
            runners.finished_changed.notify_all();
            return;
        }
        event_loop.take_inline_jobs(&mut jobs);
        let mut pending = jobs.drain(..);
        while let Some(job) = pending.next() {
            // The lock is free while the handler runs: a new runner can take over.
            drop(event_loop);
            let now = Instant::now();
            let started = runners.stamp(now);
            cell.state.store(started, Ordering::SeqCst);
            let (slot, id) = (job.slot, job.id);
            let (bytes, keep_alive, tail) = answer(shared, job, now, true);
            let replaced = cell
                .state
                .compare_exchange(started, OWNED, Ordering::SeqCst, Ordering::SeqCst)
                .is_err();
            if replaced {
                // Hand everything over as a worker would, and leave.
                shared.inboxes[index].send(Message::Done {
                    slot,
                    id,
                    bytes,
                    keep_alive,
                    tail,
                });
                for job in pending {
                    offload(shared, &runners.pool, index, job);
                }
                return;
            }
            // Still ours: deliver at once, so the answer leaves before the next handler runs.
            event_loop = cell.lock();
            event_loop.deliver(slot, id, bytes, keep_alive, tail);
        }
    }
}

/// Starts the watchdog; it ends once every loop has finished.
pub(crate) fn spawn_watchdog(
    runners: &Arc<Runners>,
    takeover_after: Duration,
) -> std::io::Result<JoinHandle<()>> {
    let runners = runners.clone();
    std::thread::Builder::new()
        .name("httprs-watchdog".to_string())
        .spawn(move || watch(&runners, takeover_after))
}

fn watch(runners: &Arc<Runners>, takeover_after: Duration) {
    let limit = takeover_after.as_nanos() as u64;
    // Looking twice per `takeover_after` is enough, and wakes this thread
    // (and disturbs whichever thread it displaces) as rarely as possible.
    let interval = takeover_after / 2;
    while !runners.all_finished() {
        std::thread::sleep(interval);
        let now = runners.stamp(Instant::now());
        for (index, cell) in runners.cells.iter().enumerate() {
            let state = cell.state.load(Ordering::SeqCst);
            if state == OWNED || state == TAKEN || now.saturating_sub(state) <= limit {
                continue;
            }
            let taken = cell
                .state
                .compare_exchange(state, TAKEN, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok();
            if taken {
                log::debug!(
                    "a handler has held event loop {index} for over {:.1} ms; \
                     a new thread takes the loop over",
                    takeover_after.as_secs_f64() * 1000.0
                );
                if let Err(err) = spawn_runner(runners, index) {
                    log::error!("cannot start a thread to take over event loop {index}: {err}");
                }
            }
        }
    }
}
