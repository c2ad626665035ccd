//! Exercise 07: a bounded thread pool with back-pressure.
//! Run with `cargo run -p exercises -- check ex07_thread_pool`.
//!
//! Real threads and no assertions about elapsed time: every wait has a
//! generous timeout, so a broken pool makes a test fail, not hang. The few
//! short sleeps only make jobs slow enough that a `drop` which does not wait
//! for them is caught every time; no result depends on their length.
//! Back-pressure is proved by the order of events: a blocked `execute` can
//! only return after a worker has taken a job off the full queue.

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
/// How long a test watches for something that must *not* happen (an
/// `execute` returning although the queue is full). A correct pool passes
/// however short this is; it only has to be long enough to catch a wrong one.
const WATCH_FOR_NOTHING: Duration = Duration::from_millis(200);

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
fn with_pool(workers: usize, queue_bound: usize, test: impl FnOnce(&ThreadPool)) {
    let pool = ThreadPool::new(workers, queue_bound);
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
    with_pool(4, 8, |pool| {
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
fn jobs_run_off_the_callers_thread_on_at_most_workers_threads() {
    with_pool(3, 8, |pool| {
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
    with_pool(4, 4, |pool| {
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
    // Room for all 20 jobs: nothing here waits in `execute`.
    let pool = ThreadPool::new(2, 20);
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
    let pool = ThreadPool::new(3, 4);
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
    with_pool(2, 4, |pool| {
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
fn the_queue_takes_exactly_queue_bound_jobs_then_execute_waits_for_a_worker() {
    // One worker and room for three queued jobs.
    let pool = Arc::new(ThreadPool::new(1, 3));
    let events = Arc::new(Mutex::new(Vec::new()));
    let release = Gate::default();

    // Job A holds the only worker until the test releases it. Once A has
    // started, the worker has taken it off the queue, so the queue is empty.
    let (started_tx, started) = mpsc::channel();
    let (log, gate) = (Arc::clone(&events), release.clone());
    pool.execute(move || {
        let _ = started_tx.send(());
        gate.wait();
        log.lock().unwrap().push("A released".to_string());
    });
    started
        .recv_timeout(PATIENCE)
        .expect("the first job never started: do the workers take jobs from the queue?");

    // Another thread queues four quick jobs and reports after each `execute`.
    let (queued_tx, queued) = mpsc::channel();
    let submitter = {
        let (pool, log) = (Arc::clone(&pool), Arc::clone(&events));
        thread::spawn(move || {
            for n in 1..=4 {
                pool.execute(|| {});
                log.lock().unwrap().push(format!("job {n} queued"));
                let _ = queued_tx.send(n);
            }
        })
    };
    for n in 1..=3 {
        assert_eq!(
            queued.recv_timeout(PATIENCE),
            Ok(n),
            "a queue bound of 3 has room for 3 jobs: `execute` number {n} must return \
             at once (use `sync_channel(queue_bound)`)"
        );
    }
    assert!(
        queued.recv_timeout(WATCH_FOR_NOTHING).is_err(),
        "the 4th `execute` returned while the queue already held 3 jobs and the only \
         worker was busy: a bounded pool must make it wait (`sync_channel`, not `channel`)"
    );

    // Release A: the worker takes job 1, which frees a place for job 4.
    release.open();
    assert_eq!(
        queued.recv_timeout(PATIENCE),
        Ok(4),
        "once the worker took a job off the full queue, the waiting `execute` must go through"
    );
    submitter.join().unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [
            "job 1 queued",
            "job 2 queued",
            "job 3 queued",
            "A released",
            "job 4 queued"
        ],
        "job 4 can only be queued after A let its worker go"
    );
    let pool = Arc::try_unwrap(pool).unwrap_or_else(|_| panic!("the submitter has ended"));
    drop_within_patience(pool).unwrap();
}

#[test]
fn a_full_queue_is_drained_when_the_pool_is_dropped() {
    // Two busy workers and a full queue of four: dropping must run all six.
    let pool = ThreadPool::new(2, 4);
    let gate = Gate::default();
    let done = Arc::new(AtomicUsize::new(0));
    let (started_tx, started) = mpsc::channel();
    for _ in 0..2 {
        let (gate, done, started_tx) = (gate.clone(), done.clone(), started_tx.clone());
        pool.execute(move || {
            let _ = started_tx.send(());
            gate.wait();
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    for _ in 0..2 {
        started
            .recv_timeout(PATIENCE)
            .expect("both workers start a job");
    }
    for _ in 0..4 {
        let done = done.clone();
        pool.execute(move || {
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    gate.open();
    drop_within_patience(pool).unwrap();
    assert_eq!(
        done.load(Ordering::SeqCst),
        6,
        "the two running jobs and the four queued ones must all finish before drop returns"
    );
}

#[test]
#[should_panic(expected = "at least one worker")]
fn a_pool_of_zero_workers_is_refused() {
    let _pool = ThreadPool::new(0, 1);
}

#[test]
#[should_panic(expected = "at least one queued job")]
fn a_queue_bound_of_zero_is_refused() {
    let _pool = ThreadPool::new(1, 0);
}
