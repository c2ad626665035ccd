//! Reference solution for exercise 07: a bounded thread pool with back-pressure.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

/// Work for a worker: any closure that can move to another thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed number of worker threads running jobs from a bounded queue.
pub struct ThreadPool {
    workers: Vec<JoinHandle<()>>,
    /// `Some` while the pool accepts work. Dropping the sender closes the
    /// channel: that, and nothing else, tells the workers to finish.
    sender: Option<SyncSender<Job>>,
}

impl ThreadPool {
    /// Starts `workers` threads sharing a queue of at most `queue_bound` jobs.
    ///
    /// # Panics
    /// If `workers` or `queue_bound` is zero.
    ///
    /// # Examples
    /// ```
    /// use exercises::ex07_thread_pool::ThreadPool;
    /// use std::sync::mpsc;
    /// let pool = ThreadPool::new(2, 4);
    /// let (tx, rx) = mpsc::channel();
    /// pool.execute(move || tx.send(6 * 7).unwrap());
    /// assert_eq!(rx.recv().unwrap(), 42);
    /// ```
    pub fn new(workers: usize, queue_bound: usize) -> ThreadPool {
        assert!(workers > 0, "a thread pool needs at least one worker");
        assert!(
            queue_bound > 0,
            "a thread pool needs room for at least one queued job"
        );
        // The key line of the exercise: `sync_channel`, not `channel`. It
        // holds at most `queue_bound` jobs, and its `send` waits while it is
        // full. That wait is the back-pressure.
        let (sender, receiver) = mpsc::sync_channel::<Job>(queue_bound);
        // One receiver, many workers: the mutex lets exactly one of them wait
        // on the channel at a time.
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..workers)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                thread::spawn(move || work(&receiver))
            })
            .collect();
        ThreadPool {
            workers,
            sender: Some(sender),
        }
    }

    /// Queues `job` for a worker; waits while the queue is full.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        if let Some(sender) = &self.sender {
            // Blocks while `queue_bound` jobs are waiting: the caller (an
            // accept loop) stops accepting until a worker frees a place.
            // Sending fails only when every worker has exited, which cannot
            // happen while `sender` exists: workers outlive their jobs' panics.
            let _ = sender.send(Box::new(job));
        }
    }
}

/// A worker's life: take a job, run it, repeat until the channel closes.
fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The guard is a temporary, so the lock is released at the end of
        // this statement, *before* the job runs. A poisoned lock only means
        // another worker panicked while holding it; the receiver is fine.
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        match next {
            // A panicking job unwinds to here and no further.
            Ok(job) => {
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
            }
            // The sender is gone and the queue is empty: shut down.
            Err(mpsc::RecvError) => return,
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Close the channel; workers finish what is queued, then see `Err`.
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            // Jobs' panics were caught, so a worker itself never panics; if it
            // somehow did, panicking again inside `drop` would abort, so ignore it.
            let _ = worker.join();
        }
    }
}
