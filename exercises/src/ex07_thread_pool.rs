//! # Exercise 07: a thread pool that shuts down cleanly
//!
//! Chapter 4 of `TUTORIAL.md` (step 04) stops serving one client at a time:
//! a fixed set of worker threads takes connections from a queue. Spawning a
//! thread per connection would let a burst of clients exhaust the machine; a
//! pool bounds the damage.
//!
//! Build [`ThreadPool`], as in chapter 21 of the Rust book:
//! - [`ThreadPool::new`] starts `size` worker threads. Each loops: take the
//!   next job from a shared queue (an `mpsc` channel whose receiver sits in
//!   an `Arc<Mutex<..>>`), run it, repeat. `new(0)` panics with a message
//!   containing "at least one thread";
//! - [`ThreadPool::execute`] queues a job and returns at once;
//! - dropping the pool is the shutdown: **every job already queued still
//!   runs**, then each worker ends and `drop` joins it. When `drop` returns,
//!   no job of this pool is running any more. (Closing the channel is the
//!   signal: once the queue is empty, a worker's `recv` fails and it exits);
//! - a job that panics must not take its worker down with it: the other
//!   queued jobs still run, and `drop` does not panic
//!   (`std::panic::catch_unwind` stops a panic at the job's edge).
//!
//! The tests (`tests/ex07_thread_pool.rs`) use real threads, with generous
//! timeouts so that a broken pool fails instead of hanging: they check that
//! all jobs run, off the caller's thread, on at most `size` threads, several
//! at once; that `drop` drains the queue and joins; that panicking jobs are
//! survived; and that `new(0)` panics.
//!
//! Check it with `cargo run -p exercises -- check ex07_thread_pool`.

/// A fixed number of worker threads running queued jobs.
pub struct ThreadPool {
    // TODO: add fields. You will want the workers' `JoinHandle`s and the
    // sending half of the job channel, wrapped in an `Option` so that `drop`
    // can take it out and drop it (which closes the channel).
}

impl ThreadPool {
    /// Starts a pool of `size` worker threads.
    ///
    /// # Panics
    /// If `size` is zero: a pool without threads would never run anything.
    // TODO: remove this `allow` once you use `size`.
    #[allow(unused_variables)]
    pub fn new(size: usize) -> ThreadPool {
        // TODO: `assert!(size > 0, "...at least one thread...")`, create the
        // channel, share the receiver with `Arc::new(Mutex::new(receiver))`,
        // and spawn `size` threads that loop over jobs until `recv` fails.
        todo!()
    }

    /// Queues `job` to run on one of the workers and returns immediately.
    // TODO: remove this `allow` once you use `job`.
    #[allow(unused_variables)]
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        // TODO: box the job (`Box<dyn FnOnce() + Send>`) and send it.
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
