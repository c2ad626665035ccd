//! A thread pool: a fixed set of worker threads that run jobs sent over a channel.
//!
//! Steps 01–03 served one connection at a time: while a handler was busy,
//! every other client waited. Spawning a thread per connection fixes that,
//! until a flood of connections spawns ten thousand threads and the machine
//! drowns. A pool is the middle way: `workers` threads are started once, and
//! each accepted connection becomes a *job* (a boxed closure) queued for them.
//!
//! ```text
//!   accept loop ──execute(job)──▶ [ bounded queue ] ──▶ worker-0 ─ runs job
//!                                                  ├─▶ worker-1 ─ runs job
//!                                                  └─▶ worker-2 ─ waits
//! ```
//!
//! Three decisions shape this file:
//! - **The queue is bounded.** `mpsc::sync_channel(bound)` holds at most
//!   `bound` jobs; when it is full, [`ThreadPool::execute`] *blocks*. The
//!   accept loop then stops accepting, the kernel's backlog fills up, and new
//!   clients wait at the door: back-pressure, instead of memory that grows
//!   without end.
//! - **A panicking job does not take its worker with it.** Each job runs
//!   inside `catch_unwind`; the panic is logged and the worker takes the next
//!   job. Without this, every panic would quietly shrink the pool by one.
//! - **Shutdown lives in `Drop`.** Dropping the pool closes the channel;
//!   workers finish the jobs still queued, see the channel closed, and exit;
//!   `Drop` joins every one. Nothing to remember to call.
//!
//! The `threadpool` crate is the well-kept equivalent: see chapter 4 of the
//! tutorial for what it adds over this one.
//!
//! A pool also changes how a server stops: work is spread over threads, and
//! the accept loop sits blocked in `accept()`. [`shutdown`] is that half of
//! the layer: the signal that wakes the accept loop so the pool can drain.

pub mod shutdown;

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// A unit of work: any closure that can move to another thread and run once.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed number of named worker threads running jobs from a bounded queue.
///
/// ```
/// use std::sync::mpsc;
/// use step04::pool::ThreadPool;
///
/// let pool = ThreadPool::new(2, 8);
/// let (done, results) = mpsc::channel();
/// for n in 0..4 {
///     let done = done.clone();
///     pool.execute(move || done.send(n * n).unwrap());
/// }
/// drop(pool); // waits for all four jobs
/// let mut squares: Vec<i32> = results.try_iter().collect();
/// squares.sort();
/// assert_eq!(squares, [0, 1, 4, 9]);
/// ```
pub struct ThreadPool {
    workers: Vec<Worker>,
    /// The sending end of the job queue. `Drop` takes it out and drops it
    /// first: a closed channel is how the workers learn there is no more work.
    sender: Option<SyncSender<Job>>,
}

impl ThreadPool {
    /// Starts `workers` threads, named `worker-0`, `worker-1`, …, sharing a
    /// queue that holds at most `queue_bound` jobs waiting for a worker.
    ///
    /// # Panics
    /// If `workers` or `queue_bound` is zero (a pool with no threads would
    /// never run anything; a queue of zero would make every `execute` wait for
    /// an idle worker, which is a different lesson), or if the operating
    /// system refuses to start a thread.
    pub fn new(workers: usize, queue_bound: usize) -> ThreadPool {
        assert!(workers > 0, "a thread pool needs at least one worker");
        assert!(
            queue_bound > 0,
            "a thread pool needs room for at least one queued job"
        );
        let (sender, receiver) = mpsc::sync_channel(queue_bound);
        // One receiver, many workers: each takes the lock only long enough to
        // pull one job off the queue, then lets go before running it.
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..workers)
            .map(|id| Worker::start(id, Arc::clone(&receiver)))
            .collect();
        ThreadPool {
            workers,
            sender: Some(sender),
        }
    }

    /// Queues `job` to run on one of the workers.
    ///
    /// Blocks while the queue is full, until a worker takes a job off it:
    /// this is the back-pressure that keeps a flood of work from piling up.
    pub fn execute<F: FnOnce() + Send + 'static>(&self, job: F) {
        // `sender` is only `None` inside `drop`, and the workers only go away
        // after it is dropped, so sending cannot fail while `self` is alive.
        self.sender
            .as_ref()
            .expect("the sender lives until drop")
            .send(Box::new(job))
            .expect("workers outlive the sender");
    }

    /// How many worker threads the pool runs.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }
}

impl Drop for ThreadPool {
    /// Lets every queued job finish, then joins every worker.
    fn drop(&mut self) {
        // Closing the channel is the shutdown signal. Jobs already queued are
        // still delivered; after the last one, `recv` reports the channel closed.
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            if let Some(thread) = worker.thread {
                // A worker catches its jobs' panics, so it cannot have panicked itself.
                let _ = thread.join();
            }
        }
    }
}

/// One thread of the pool; its name (`worker-3`) shows in logs and panic messages.
struct Worker {
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn start(id: usize, queue: Arc<Mutex<Receiver<Job>>>) -> Worker {
        let name = format!("worker-{id}");
        let thread = thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                loop {
                    // The lock guard is a temporary: it is released at the end
                    // of this statement, before the job runs, so other workers
                    // can take the next job meanwhile. A poisoned lock (some
                    // thread panicked holding it) still guards a good receiver.
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok(job) = next else {
                        // The pool was dropped and the queue is empty: we are done.
                        return;
                    };
                    // `AssertUnwindSafe`: if the job panics, the half-finished
                    // state it leaves behind belongs to the job, not to us.
                    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(job)) {
                        eprintln!(
                            "{name}: a job panicked ({}); the worker carries on",
                            panic_message(payload.as_ref())
                        );
                    }
                }
            })
            .expect("the operating system refused to start a worker thread");
        Worker {
            thread: Some(thread),
        }
    }
}

/// The message a panic was raised with, when it is a string (it nearly always is).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "a non-string payload"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// How long a test waits for a job before calling the pool stuck.
    const WAIT: Duration = Duration::from_secs(10);

    #[test]
    fn every_job_runs_exactly_once() {
        let runs: Arc<Vec<AtomicUsize>> =
            Arc::new((0..1000).map(|_| AtomicUsize::new(0)).collect());
        let pool = ThreadPool::new(4, 16);
        for i in 0..1000 {
            let runs = Arc::clone(&runs);
            pool.execute(move || {
                runs[i].fetch_add(1, Ordering::SeqCst);
            });
        }
        drop(pool);
        for (i, count) in runs.iter().enumerate() {
            assert_eq!(count.load(Ordering::SeqCst), 1, "job {i}");
        }
    }

    #[test]
    fn jobs_run_on_as_many_named_threads_as_there_are_workers() {
        let pool = ThreadPool::new(4, 4);
        assert_eq!(pool.workers(), 4);
        let (arrived, arrivals) = mpsc::channel();
        let (open, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        // Four jobs that each hold their worker until the gate opens: they can
        // only all arrive if four different threads run them at once.
        for _ in 0..4 {
            let arrived = arrived.clone();
            let gate = Arc::clone(&gate);
            pool.execute(move || {
                arrived
                    .send(thread::current().name().map(String::from))
                    .unwrap();
                let _ = gate.lock().unwrap().recv_timeout(WAIT);
            });
        }
        let names: HashSet<Option<String>> = (0..4)
            .map(|_| {
                arrivals
                    .recv_timeout(WAIT)
                    .expect("four jobs running at once")
            })
            .collect();
        drop(open);
        let expected: HashSet<Option<String>> =
            (0..4).map(|id| Some(format!("worker-{id}"))).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn a_panicking_job_leaves_its_worker_running() {
        let pool = ThreadPool::new(1, 4);
        let (done, results) = mpsc::channel();
        pool.execute(|| panic!("this job fails on purpose"));
        pool.execute(move || {
            done.send(thread::current().name().map(String::from))
                .unwrap()
        });
        // One worker: the job after the panic can only run on that same worker.
        assert_eq!(
            results
                .recv_timeout(WAIT)
                .expect("the pool still runs jobs"),
            Some("worker-0".to_string())
        );
    }

    #[test]
    fn drop_lets_queued_jobs_finish_and_joins_the_workers() {
        let finished = Arc::new(AtomicUsize::new(0));
        let (open, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let pool = ThreadPool::new(2, 10);
        // Two jobs hold both workers until the gate opens; eight more wait in the queue.
        for _ in 0..10 {
            let (finished, gate) = (Arc::clone(&finished), Arc::clone(&gate));
            pool.execute(move || {
                let _ = gate.lock().unwrap().recv_timeout(WAIT);
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        // Open the gate a moment after `drop` has started waiting. If drop
        // returned early, fewer than ten jobs would have finished below.
        let opener = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            drop(open);
        });
        drop(pool);
        assert_eq!(finished.load(Ordering::SeqCst), 10);
        opener.join().unwrap();
    }

    #[test]
    fn execute_blocks_while_the_queue_is_full() {
        let events = Arc::new(Mutex::new(Vec::new()));
        let (open, gate) = mpsc::channel::<()>();
        let pool = Arc::new(ThreadPool::new(1, 1));
        // Job A holds the only worker; job B fills the one-place queue.
        let (log, gate) = (Arc::clone(&events), Mutex::new(gate));
        pool.execute(move || {
            let _ = gate.lock().unwrap().recv_timeout(WAIT);
            log.lock().unwrap().push("A finished");
        });
        pool.execute(|| {});
        // Job C cannot be queued until A finishes and the worker takes B.
        let (log, submitter_pool) = (Arc::clone(&events), Arc::clone(&pool));
        let submitter = thread::spawn(move || {
            submitter_pool.execute(|| {});
            log.lock().unwrap().push("C queued");
        });
        thread::sleep(Duration::from_millis(50));
        drop(open);
        submitter.join().unwrap();
        assert_eq!(*events.lock().unwrap(), ["A finished", "C queued"]);
    }

    #[test]
    #[should_panic(expected = "at least one worker")]
    fn a_pool_of_zero_workers_is_refused() {
        ThreadPool::new(0, 1);
    }
}
