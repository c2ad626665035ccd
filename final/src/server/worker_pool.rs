//! The worker pool: threads that run handlers, so the event loops never block.
//!
//! Step 04 built a pool by hand, the Rust book's way: a channel of boxed
//! closures and N threads taking turns at its receiving end. Here the
//! `threadpool` crate does the same job with what a hand-made pool leaves
//! out: a worker that panics is replaced, and `join` waits for the queue to
//! empty. The pool knows nothing of HTTP; a job is "run this handler, then
//! post the response bytes to the event loop's inbox" (see
//! [`crate::server`]). Handlers panicking is already caught before it
//! reaches the pool, so a replaced worker is the second line of defence.

use threadpool::ThreadPool;

/// A fixed number of threads running jobs in the order they were queued.
#[derive(Clone)]
pub(crate) struct WorkerPool {
    pool: ThreadPool,
}

impl WorkerPool {
    /// Starts `workers` threads (at least one) named `httprs-worker`.
    pub(crate) fn new(workers: usize) -> WorkerPool {
        WorkerPool {
            pool: threadpool::Builder::new()
                .num_threads(workers.max(1))
                .thread_name("httprs-worker".to_string())
                .build(),
        }
    }

    /// Queues `job` for the next free worker.
    pub(crate) fn execute(&self, job: impl FnOnce() + Send + 'static) {
        self.pool.execute(job);
    }

    /// Waits until every queued job has run.
    pub(crate) fn join(&self) {
        self.pool.join();
    }

    /// Jobs running or waiting right now.
    pub(crate) fn unfinished(&self) -> usize {
        self.pool.active_count() + self.pool.queued_count()
    }
}
