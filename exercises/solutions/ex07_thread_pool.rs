//! Reference solution for exercise 07: a thread pool that shuts down cleanly.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::{self, JoinHandle};

/// Work for a worker: any closure that can move to another thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed number of worker threads running queued jobs.
pub struct ThreadPool {
    workers: Vec<JoinHandle<()>>,
    /// `Some` while the pool accepts work. Dropping the sender closes the
    /// channel: that, and nothing else, tells the workers to finish.
    sender: Option<mpsc::Sender<Job>>,
}

impl ThreadPool {
    /// Starts a pool of `size` worker threads.
    ///
    /// # Panics
    /// If `size` is zero: a pool without threads would never run anything.
    ///
    /// # Examples
    /// ```
    /// use exercises::ex07_thread_pool::ThreadPool;
    /// use std::sync::mpsc;
    /// let pool = ThreadPool::new(2);
    /// let (tx, rx) = mpsc::channel();
    /// pool.execute(move || tx.send(6 * 7).unwrap());
    /// assert_eq!(rx.recv().unwrap(), 42);
    /// ```
    pub fn new(size: usize) -> ThreadPool {
        assert!(size > 0, "a thread pool needs at least one thread");
        let (sender, receiver) = mpsc::channel::<Job>();
        // One receiver, many workers: the mutex lets exactly one of them wait
        // on the channel at a time.
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..size)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                thread::spawn(move || {
                    loop {
                        // The key line: the guard is a temporary, so the lock
                        // is released at the end of this statement, *before*
                        // the job runs. (`while let Ok(job) = receiver.lock()
                        // ...recv()` would hold it for the whole loop body and
                        // run the jobs one at a time.) A poisoned lock only
                        // means another worker panicked while holding it; the
                        // receiver inside is still fine.
                        let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match next {
                            // A panicking job unwinds to here and no further:
                            // the worker lives on to run the next job.
                            Ok(job) => {
                                let _ = panic::catch_unwind(AssertUnwindSafe(job));
                            }
                            // The sender is gone and the queue is empty: shut down.
                            Err(mpsc::RecvError) => break,
                        }
                    }
                })
            })
            .collect();
        ThreadPool {
            workers,
            sender: Some(sender),
        }
    }

    /// Queues `job` to run on one of the workers and returns immediately.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        if let Some(sender) = &self.sender {
            // Sending fails only when every worker has exited, which cannot
            // happen while `sender` exists: workers outlive their jobs' panics.
            let _ = sender.send(Box::new(job));
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
