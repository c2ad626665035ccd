//! # Exercise 07: a bounded thread pool with back-pressure
//!
//! Chapter 4 of `TUTORIAL.md` (step 04) stops serving one client at a time:
//! a fixed set of worker threads takes connections from a queue. Spawning a
//! thread per connection would let a burst of clients exhaust the machine; a
//! pool bounds the threads. A *bounded queue* bounds the rest: when it is
//! full, the accept loop waits instead of piling up work, new clients wait in
//! the kernel's backlog, and the server slows down instead of running out of
//! memory. That wait is called back-pressure.
//!
//! Build [`ThreadPool`], as `steps/step04-threadpool/src/pool/mod.rs` does:
//! - [`ThreadPool::new`]`(workers, queue_bound)` starts `workers` threads
//!   sharing one queue: a `std::sync::mpsc::sync_channel(queue_bound)`, whose
//!   receiver sits in an `Arc<Mutex<..>>`. Each worker loops: take the next
//!   job, run it, repeat. `new(0, _)` panics with a message containing "at
//!   least one worker", `new(_, 0)` with "at least one queued job";
//! - [`ThreadPool::execute`] queues a job. While `queue_bound` jobs are
//!   already waiting for a worker, it **blocks** until a worker takes one
//!   (`SyncSender::send` does exactly that); otherwise it returns at once;
//! - dropping the pool is the shutdown: **every job already queued still
//!   runs**, then each worker ends and `drop` joins it. When `drop` returns,
//!   no job of this pool is running any more. (Closing the channel is the
//!   signal: once the queue is empty, a worker's `recv` fails and it exits);
//! - a job that panics must not take its worker down with it: the other
//!   queued jobs still run, and `drop` does not panic
//!   (`std::panic::catch_unwind` stops a panic at the job's edge).
//!
//! The tests (`tests/ex07_thread_pool.rs`) use real threads, with generous
//! timeouts so that a broken pool fails instead of hanging, and no
//! assertions about elapsed time: they check that all jobs run, off the
//! caller's thread, on at most `workers` threads, several at once; that the
//! queue takes exactly `queue_bound` jobs and the next `execute` waits until a
//! worker frees a place (proved by the order of events, not by a clock); that
//! `drop` drains the queue and joins; that panicking jobs are survived; and
//! that zero workers or a zero bound is refused.
//!
//! Check it with `cargo run -p exercises -- check ex07_thread_pool`.

/// A fixed number of worker threads running jobs from a bounded queue.
pub struct ThreadPool {
    // TODO: add fields. You will want the workers' `JoinHandle`s and the
    // sending half of the job channel (`mpsc::SyncSender<Job>`), wrapped in an
    // `Option` so that `drop` can take it out and drop it (which closes the
    // channel).
}

impl ThreadPool {
    /// Starts `workers` threads sharing a queue of at most `queue_bound` jobs.
    ///
    /// # Panics
    /// If `workers` is zero (a pool without threads would never run
    /// anything) or `queue_bound` is zero (every `execute` would wait for an
    /// idle worker, which is a different lesson).
    // TODO: remove this `allow` once you use `workers` and `queue_bound`.
    #[allow(unused_variables)]
    pub fn new(workers: usize, queue_bound: usize) -> ThreadPool {
        // TODO: two `assert!`s, then `mpsc::sync_channel(queue_bound)`, share
        // the receiver with `Arc::new(Mutex::new(receiver))`, and spawn
        // `workers` threads that loop over jobs until `recv` fails.
        todo!()
    }

    /// Queues `job` to run on one of the workers; waits while the queue is full.
    // TODO: remove this `allow` once you use `job`.
    #[allow(unused_variables)]
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        // TODO: box the job (`Box<dyn FnOnce() + Send>`) and send it. A
        // `SyncSender`'s `send` already waits while the channel is full.
        todo!()
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // TODO: drop the sender first (so workers see the channel close once
        // the queue is empty), then join every worker.
        todo!()
    }
}
