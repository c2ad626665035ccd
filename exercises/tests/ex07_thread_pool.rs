//! Exercise 07: a thread pool that shuts down cleanly.
//! Run with `cargo run -p exercises -- check ex07_thread_pool`.
//!
//! Real threads and no assertions about elapsed time: every wait has a
//! generous timeout, so a broken pool makes a test fail, not hang. The few
//! short sleeps only make jobs slow enough that a `drop` which does not wait
//! for them is caught every time; no result depends on their length.

// The exercise itself, compiled into this test: your file in `src/` by
// default, the reference solution with `--features solutions`. (Not through
// the library: that way an exercise that does not compile yet breaks only
// its own test, never the others or the runner.)
#[cfg_attr(not(feature = "solutions"), path = "../src/ex07_thread_pool.rs")]
#[cfg_attr(feature = "solutions", path = "../solutions/ex07_thread_pool.rs")]
// A test need not use every item of the exercise.
#[allow(dead_code)]
mod ex07_thread_pool;

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use ex07_thread_pool::ThreadPool;

const PATIENCE: Duration = Duration::from_secs(10);
/// How long a deliberately slow job takes.
const SLOW_JOB: Duration = Duration::from_millis(2);

/// A gate jobs can wait at until the test opens it (or the patience runs out).
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    /// Waits until the gate opens; false if it never did.
    fn wait(&self) -> bool {
        let guard = self.0.0.lock().unwrap();
        let (guard, _) = self
            .0
            .1
            .wait_timeout_while(guard, PATIENCE, |open| !*open)
            .unwrap();
        *guard
    }
}

/// Drops `pool` on a helper thread and waits for that to finish, so that a
/// `drop` which hangs (joining workers that still wait for jobs) or panics
/// fails the test with an explanation instead of freezing or aborting it.
fn drop_within_patience(pool: ThreadPool) -> Result<(), &'static str> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(pool)));
        let _ = tx.send(dropped.is_ok());
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(true) => Ok(()),
        Ok(false) => Err("dropping the pool panicked"),
        Err(_) => Err(
            "dropping the pool did not return within 10 s: drop the sender \
             *before* joining the workers, or they wait for more jobs forever",
        ),
    }
}

/// Runs `test` with a fresh pool, then drops the pool safely (see above),
/// whether or not the test body panicked.
fn with_pool(size: usize, test: impl FnOnce(&ThreadPool)) {
    let pool = ThreadPool::new(size);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| test(&pool)));
    let dropped = drop_within_patience(pool);
    if let Err(payload) = outcome {
        panic::resume_unwind(payload);
    }
    if let Err(why) = dropped {
        panic!("{why}");
    }
}

#[test]
fn every_queued_job_runs() {
    with_pool(4, |pool| {
        let (tx, rx) = mpsc::channel();
        for i in 0..100 {
            let tx = tx.clone();
            pool.execute(move || tx.send(i).unwrap());
        }
        let mut seen: Vec<i32> = (0..100)
            .map(|n| {
                rx.recv_timeout(PATIENCE)
                    .unwrap_or_else(|_| panic!("only {n} of 100 jobs ran"))
            })
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn jobs_run_off_the_callers_thread_on_at_most_size_threads() {
    with_pool(3, |pool| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..200 {
            let tx = tx.clone();
            pool.execute(move || tx.send(thread::current().id()).unwrap());
        }
        let ids: HashSet<_> = (0..200)
            .map(|_| rx.recv_timeout(PATIENCE).expect("a job never ran"))
            .collect();
        assert!(
            !ids.contains(&thread::current().id()),
            "execute must queue the job for a worker, not run it on the caller's thread"
        );
        assert!(
            ids.len() <= 3,
            "a pool of 3 ran jobs on {} different threads: start the workers once in `new`, \
             do not spawn a thread per job",
            ids.len()
        );
    });
}

#[test]
fn several_jobs_run_at_the_same_time() {
    // Four jobs that each wait until all four have started: only a pool that
    // really runs them in parallel lets them all finish with `true`.
    with_pool(4, |pool| {
        let started = Arc::new(AtomicUsize::new(0));
        let all_started = Gate::default();
        let (tx, rx) = mpsc::channel();
        for _ in 0..4 {
            let (started, all_started, tx) = (started.clone(), all_started.clone(), tx.clone());
            pool.execute(move || {
                if started.fetch_add(1, Ordering::SeqCst) + 1 == 4 {
                    all_started.open();
                }
                // Fails fast once the test has given up (the receiver is gone).
                let _ = tx.send(all_started.wait());
            });
        }
        let overlapped = rx.recv_timeout(PATIENCE * 2).expect("a job never finished");
        // Let any still-waiting job go, so the pool can shut down.
        all_started.open();
        // If the first job to finish saw all four start, they ran side by side.
        assert!(
            overlapped,
            "the 4 jobs of a 4-thread pool never ran at the same time: does a worker hold \
             the receiver's lock while it runs its job?"
        );
    });
}

#[test]
fn drop_runs_every_queued_job_before_returning() {
    let pool = ThreadPool::new(2);
    let gate = Gate::default();
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..20 {
        let (gate, done) = (gate.clone(), done.clone());
        pool.execute(move || {
            gate.wait();
            thread::sleep(SLOW_JOB);
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    // The jobs are all still queued or blocked at the gate. Open it and drop
    // the pool at once: drop must wait for all 20 to finish.
    gate.open();
    drop_within_patience(pool).unwrap();
    assert_eq!(
        done.load(Ordering::SeqCst),
        20,
        "when drop returns, every queued job must have run: close the channel, \
         let the workers drain it, then join them"
    );
}

#[test]
fn after_drop_no_job_holds_on_to_anything() {
    let shared = Arc::new(());
    let pool = ThreadPool::new(3);
    for _ in 0..30 {
        let shared = shared.clone();
        pool.execute(move || {
            thread::sleep(SLOW_JOB);
            drop(shared);
        });
    }
    drop_within_patience(pool).unwrap();
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "after drop, all jobs should be finished and freed (were the workers joined?)"
    );
}

#[test]
fn a_panicking_job_does_not_take_the_pool_down() {
    // `with_pool` also fails the test if dropping the pool panics afterwards.
    with_pool(2, |pool| {
        for _ in 0..4 {
            pool.execute(|| panic!("this job panics on purpose (the test expects it)"));
        }
        let (tx, rx) = mpsc::channel();
        for i in 0..10 {
            let tx = tx.clone();
            pool.execute(move || tx.send(i).unwrap());
        }
        for n in 0..10 {
            rx.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!(
                    "after 4 panicking jobs only {n} of 10 later jobs ran: catch the panic \
                     in the worker (std::panic::catch_unwind) so it lives on"
                )
            });
        }
    });
}

#[test]
#[should_panic(expected = "at least one thread")]
fn a_pool_of_zero_threads_is_refused() {
    let _pool = ThreadPool::new(0);
}
