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
//!
//! ## 中文说明
//!
//! ### 练习 07：带背压的有界线程池
//!
//! `TUTORIAL.zh-CN.md` 第 4 章（step04）不再一次只服务一个客户端：
//! 由一组数量固定的工作线程从队列里取出连接来处理。每来一个连接就创建一个线程（thread），
//! 一阵突发的客户端就可能耗尽机器的资源；线程池（thread pool）
//! 限制了线程的数量。*有界队列*（bounded queue）则限制了其余的部分：队列满时，
//! accept 循环会等待，而不是把工作越堆越多，新客户端在内核的 backlog 中等待，
//! 服务器变慢，而不是耗尽内存。这种等待就叫背压（back-pressure）。
//!
//! 仿照 `steps/step04-threadpool/src/pool/mod.rs` 实现 [`ThreadPool`]：
//! - [`ThreadPool::new`]`(workers, queue_bound)` 启动 `workers` 个线程，
//!   它们共享一个队列，即用 `std::sync::mpsc::sync_channel(queue_bound)`
//!   创建的通道（channel），其接收端放在 `Arc<Mutex<..>>` 里。每个工作线程循环执行：
//!   取下一个任务，运行它，如此反复。`new(0, _)` 会 panic，消息里包含 "at least one worker"；
//!   `new(_, 0)` 的消息里包含 "at least one queued job"；
//! - [`ThreadPool::execute`] 把一个任务放入队列。如果已经有 `queue_bound`
//!   个任务在等待工作线程，它会**阻塞**（blocking），
//!   直到某个工作线程取走一个（`SyncSender::send` 正是这样做的）；否则立即返回；
//! - 丢弃线程池就是关闭：**已经在队列里的每个任务仍然会运行**，然后每个工作线程结束，
//!   由 `drop` 来 join 它。`drop` 返回时，这个线程池的任务都已不再运行。
//!   （关闭通道就是信号：队列一空，工作线程的 `recv` 就会失败，于是它退出。）
//! - 一个 panic 的任务不能把它所在的工作线程一起拖垮：队列里的其他任务仍然运行，
//!   `drop` 也不会 panic（`std::panic::catch_unwind` 把 panic 拦在任务的边界上）。
//!
//! 测试（`tests/ex07_thread_pool.rs`）使用真实的线程，超时设得很宽裕，
//! 这样有问题的线程池会失败而不是卡住；测试也不对耗时做任何断言。它们检查：
//! 所有任务都会运行，不在调用者的线程上运行，最多用到 `workers` 个线程，
//! 并且有多个任务同时运行；队列恰好能容纳 `queue_bound` 个任务，下一次 `execute`
//! 会一直等到某个工作线程腾出位置（靠事件的先后顺序来证明，而不是靠时钟）；
//! `drop` 会清空队列并 join 所有线程；线程池能挺过 panic 的任务；
//! 零个工作线程或上限为零会被拒绝。
//!
//! 用 `cargo run -p exercises -- check ex07_thread_pool` 检查。

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
