//! The async handlers an event loop is running ([`Route::get_async`](crate::Route::get_async)),
//! and who wakes them.
//!
//! An async handler's future lives here, in a slab, with the request it
//! answers. The loop polls it once when the request comes; when it waits
//! for rows, the loop's database connection (`data/pg_link.rs`) gets them
//! later, and the connection's answer wakes the future: its waker puts the
//! future's place on [`Wakeups`]'s list, and the loop polls every listed
//! future before it sleeps again (`EventLoop::run_tasks`). No thread but the
//! loop's own touches a future, so the list's lock is never contended.
//!
//! A waker may in principle be called from another thread (a future that
//! awaits a channel some worker feeds): then it also wakes the loop's
//! poll, as a worker's answer does. On the loop's own thread, within a
//! turn, it does not need to: the turn ends in `run_tasks`, which looks at
//! the list, and the next poll does not sleep while the list holds
//! anything (`LoopDb::has_work`).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use crate::app::async_handler::ResponseFuture;
use crate::app::core::AppCore;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::server::dispatch::Reply;

thread_local! {
    /// The loop (its index plus one) whose turn this thread is in; 0 outside.
    static RUNNING: Cell<usize> = const { Cell::new(0) };
}

/// Marks this thread as in loop `index`'s turn until dropped.
pub(crate) struct Running;

impl Running {
    pub(crate) fn enter(index: usize) -> Running {
        RUNNING.set(index + 1);
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.set(0);
    }
}

/// What woke since the loop last looked: futures, by their place, and the
/// database connection.
pub(crate) struct Wakeups {
    index: usize,
    tasks: Mutex<Vec<usize>>,
    link: AtomicBool,
    loop_waker: Arc<mio::Waker>,
}

impl Wakeups {
    pub(crate) fn new(index: usize, loop_waker: Arc<mio::Waker>) -> Arc<Wakeups> {
        Arc::new(Wakeups {
            index,
            tasks: Mutex::default(),
            link: AtomicBool::new(false),
            loop_waker,
        })
    }

    /// Wakes the loop's poll, unless this thread is the loop's, within a turn.
    fn nudge(&self) {
        if RUNNING.get() != self.index + 1 {
            let _ = self.loop_waker.wake();
        }
    }

    /// Marks the database connection as needing a poll.
    pub(crate) fn wake_link(&self) {
        if !self.link.swap(true, Ordering::AcqRel) {
            self.nudge();
        }
    }

    /// Whether anything was woken since the loop last looked.
    pub(crate) fn pending(&self) -> bool {
        self.link.load(Ordering::Acquire) || !self.list().is_empty()
    }

    /// Whether the connection needed a poll; clears the mark.
    pub(crate) fn take_link(&self) -> bool {
        self.link.swap(false, Ordering::AcqRel)
    }

    fn list(&self) -> std::sync::MutexGuard<'_, Vec<usize>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The database connection's waker: a statement was queued, or an answer taken.
pub(crate) struct LinkWaker(pub(crate) Arc<Wakeups>);

impl Wake for LinkWaker {
    fn wake(self: Arc<Self>) {
        self.0.wake_link();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wake_link();
    }
}

/// A future's waker: lists its place, once until the loop polls it.
struct TaskWaker {
    place: usize,
    wakeups: Arc<Wakeups>,
    /// On the list and not polled since: a future waits for many things
    /// (a handler reading 20 rows is woken by each of the 20 answers), and
    /// is polled once for all the wakes of a turn, not once for each.
    listed: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if self.listed.swap(true, Ordering::AcqRel) {
            return;
        }
        let first = {
            let mut list = self.wakeups.list();
            list.push(self.place);
            list.len() == 1
        };
        if first {
            self.wakeups.nudge();
        }
    }
}

/// An async handler at work: its future, the request it answers, and
/// where the answer goes.
pub(crate) struct Task {
    pub(crate) future: ResponseFuture,
    pub(crate) req: Arc<Request>,
    /// The connection's slot and id, as in a [`Job`](crate::server::dispatch::Job).
    pub(crate) slot: usize,
    pub(crate) id: u64,
    pub(crate) reply: Reply,
    /// A recycled buffer to encode the answer into.
    pub(crate) out: Vec<u8>,
    /// When the request was dispatched, for the access log.
    pub(crate) started: Instant,
}

/// The loop's tasks, by place. A place is reused once its task is done; a
/// waker left over from the old task may then poll the new one once for
/// nothing, which a future allows.
pub(crate) struct Tasks {
    places: Vec<Option<(Task, Arc<TaskWaker>, Waker)>>,
    free: Vec<usize>,
    wakeups: Arc<Wakeups>,
    /// Places taken from the list, being polled (kept for its allocation).
    polling: Vec<usize>,
}

impl Tasks {
    pub(crate) fn new(wakeups: Arc<Wakeups>) -> Tasks {
        Tasks {
            places: Vec::new(),
            free: Vec::new(),
            wakeups,
            polling: Vec::new(),
        }
    }

    /// How many tasks are running.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.places.len() - self.free.len()
    }

    /// Whether no task is running.
    pub(crate) fn is_empty(&self) -> bool {
        self.places.len() == self.free.len()
    }

    /// Adds `task`, listed to be polled at the loop's next `run_tasks`.
    pub(crate) fn spawn(&mut self, task: Task) {
        let place = self.free.pop().unwrap_or_else(|| {
            self.places.push(None);
            self.places.len() - 1
        });
        let listing = Arc::new(TaskWaker {
            place,
            wakeups: self.wakeups.clone(),
            listed: AtomicBool::new(false),
        });
        listing.wake_by_ref();
        let waker = Waker::from(listing.clone());
        self.places[place] = Some((task, listing, waker));
    }

    /// Takes the places woken since the last call; `false` if none were.
    pub(crate) fn take_woken(&mut self) -> bool {
        self.polling.clear();
        std::mem::swap(&mut self.polling, &mut self.wakeups.list());
        !self.polling.is_empty()
    }

    /// Polls each task [`Tasks::take_woken`] took, and calls `done` with
    /// each one that finished and its response. A panic in a handler is a
    /// 500 for its request (`app` logs it), as in a plain handler.
    pub(crate) fn poll_woken(&mut self, app: &AppCore, mut done: impl FnMut(Task, Response)) {
        let mut polling = std::mem::take(&mut self.polling);
        for place in polling.drain(..) {
            let Some((task, listing, waker)) = self.places.get_mut(place).and_then(Option::as_mut)
            else {
                continue;
            };
            // Off the list before the poll: a wake from now on lists it
            // again. A swap, not a store: a waker on another thread that
            // saw the flag still set (and so did not list the task) wrote
            // it before we clear it here, and this acquire makes what it
            // wrote before waking (the answer it woke us for) visible to
            // the poll below. A plain store could be read as set after
            // the poll missed the answer: a lost wake.
            listing.listed.swap(false, Ordering::AcqRel);
            let mut cx = Context::from_waker(waker);
            let polled = catch_unwind(AssertUnwindSafe(|| task.future.as_mut().poll(&mut cx)));
            let res = match polled {
                Ok(Poll::Pending) => continue,
                Ok(Poll::Ready(res)) => res,
                Err(panic) => app.panicked(&task.req, panic),
            };
            let (mut task, _, _) = self.places[place].take().expect("polled just now");
            self.free.push(place);
            // Dropped here, where a panic in a `Drop` costs nothing more.
            let future = std::mem::replace(&mut task.future, Box::pin(std::future::pending()));
            let _ = catch_unwind(AssertUnwindSafe(move || drop(future)));
            done(task, res);
        }
        self.polling = polling;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn task(path: &str, future: ResponseFuture) -> Task {
        Task {
            future,
            req: Arc::new(Request::new("GET", path)),
            slot: 0,
            id: 0,
            reply: Reply::Frame {
                id: 1,
                window: None,
            },
            out: Vec::new(),
            started: Instant::now(),
        }
    }

    fn tasks() -> (Tasks, Arc<Wakeups>) {
        let poll = mio::Poll::new().unwrap();
        let waker = Arc::new(mio::Waker::new(poll.registry(), mio::Token(0)).unwrap());
        let wakeups = Wakeups::new(0, waker);
        (Tasks::new(wakeups.clone()), wakeups)
    }

    /// A future that counts its polls and keeps the waker of the last;
    /// `step` answers poll number `n` (from 0).
    fn watched(
        mut step: impl FnMut(usize, &mut Context<'_>) -> Poll<Response> + Send + 'static,
    ) -> (ResponseFuture, Arc<AtomicUsize>, Arc<Mutex<Option<Waker>>>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let waker = Arc::new(Mutex::new(None::<Waker>));
        let (seen, keep) = (polls.clone(), waker.clone());
        let future = std::future::poll_fn(move |cx| {
            *keep.lock().unwrap() = Some(cx.waker().clone());
            step(seen.fetch_add(1, Ordering::SeqCst), cx)
        });
        (Box::pin(future), polls, waker)
    }

    /// Spawns a [`watched`] future that is not ready at first, polls it
    /// once, and gives its poll count and the waker that poll saw.
    fn spawned_and_pending(
        tasks: &mut Tasks,
        step: impl FnMut(usize, &mut Context<'_>) -> Poll<Response> + Send + 'static,
    ) -> (Arc<AtomicUsize>, Waker) {
        let (future, polls, saved) = watched(step);
        tasks.spawn(task("/", future));
        assert!(tasks.take_woken());
        tasks.poll_woken(&AppCore::new(), |_, _| unreachable!("not ready yet"));
        let waker = saved.lock().unwrap().clone().unwrap();
        (polls, waker)
    }

    #[test]
    fn a_task_is_polled_when_spawned_and_again_only_when_woken() {
        let (mut tasks, _) = tasks();
        let (future, polls, saved) = watched(|n, _| match n {
            0 => Poll::Pending,
            _ => Poll::Ready(Response::text("done")),
        });
        tasks.spawn(task("/", future));
        let app = AppCore::new();
        let mut finished = Vec::new();
        assert!(tasks.take_woken());
        tasks.poll_woken(&app, |_, res| finished.push(res.body_text()));
        assert_eq!((polls.load(Ordering::SeqCst), finished.len()), (1, 0));
        assert!(!tasks.take_woken(), "nothing woke it yet");
        saved.lock().unwrap().take().unwrap().wake();
        assert!(tasks.take_woken());
        tasks.poll_woken(&app, |_, res| finished.push(res.body_text()));
        assert_eq!(finished, ["done"]);
        assert_eq!(tasks.len(), 0, "its place is free again");
    }

    #[test]
    fn many_wakes_before_a_poll_list_a_task_once_and_a_wake_during_its_poll_lists_it_again() {
        let (mut tasks, _) = tasks();
        // Waits for ever; on its second poll it wakes itself (as a future
        // that yields does), which must list it again.
        let (polls, waker) = spawned_and_pending(&mut tasks, |n, cx| {
            if n == 1 {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        });
        let app = AppCore::new();
        for _ in 0..20 {
            waker.wake_by_ref();
        }
        assert!(tasks.take_woken());
        assert_eq!(tasks.polling, [0], "twenty wakes, one place on the list");
        tasks.poll_woken(&app, |_, _| unreachable!());
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert!(tasks.take_woken(), "it woke itself while being polled");
        tasks.poll_woken(&app, |_, _| unreachable!());
        assert_eq!(polls.load(Ordering::SeqCst), 3);
        assert!(!tasks.take_woken());
    }

    #[test]
    fn a_wake_from_another_thread_while_a_task_is_polled_is_never_lost() {
        // The task reads a flag another thread sets before it wakes the
        // task; whatever the interleaving, the task sees the flag in the
        // poll it is in, or is listed for the next one.
        for _ in 0..2_000 {
            let (mut tasks, _) = tasks();
            let ready = Arc::new(AtomicBool::new(false));
            let seen = ready.clone();
            let (_, waker) = spawned_and_pending(&mut tasks, move |_, _| {
                if seen.load(Ordering::Acquire) {
                    Poll::Ready(Response::text("done"))
                } else {
                    Poll::Pending
                }
            });
            let app = AppCore::new();
            // Listed again by a wake of the loop's own, then polled while
            // the other thread sets the flag and wakes it.
            waker.wake_by_ref();
            let other = std::thread::spawn(move || {
                ready.store(true, Ordering::Release);
                waker.wake();
            });
            let mut done = false;
            assert!(tasks.take_woken());
            tasks.poll_woken(&app, |_, _| done = true);
            other.join().unwrap();
            if !done {
                assert!(tasks.take_woken(), "the wake was lost");
                tasks.poll_woken(&app, |_, _| done = true);
            }
            assert!(done);
        }
    }

    #[test]
    fn a_panicking_task_finishes_with_a_500() {
        let (mut tasks, _) = tasks();
        tasks.spawn(task("/boom", Box::pin(async { panic!("boom") })));
        let mut statuses = Vec::new();
        assert!(tasks.take_woken());
        tasks.poll_woken(&AppCore::new(), |_, res| statuses.push(res.status().code()));
        assert_eq!(statuses, [500]);
    }

    #[test]
    fn a_wake_on_the_loops_own_thread_in_its_turn_does_not_wake_its_poll_and_any_other_does() {
        let mut poll = mio::Poll::new().unwrap();
        let waker = Arc::new(mio::Waker::new(poll.registry(), mio::Token(0)).unwrap());
        let wakeups = Wakeups::new(0, waker);
        let mut events = mio::Events::with_capacity(4);
        let mut woke = |poll: &mut mio::Poll| {
            poll.poll(&mut events, Some(std::time::Duration::ZERO))
                .unwrap();
            !events.is_empty()
        };
        {
            let _running = Running::enter(0);
            wakeups.wake_link();
        }
        assert!(!woke(&mut poll), "inside the turn: the loop looks anyway");
        assert!(wakeups.take_link());
        assert!(!wakeups.take_link(), "taking it clears it");
        // Outside the turn (another thread, or this one between turns).
        wakeups.wake_link();
        assert!(woke(&mut poll), "outside it: the poll is woken");
        assert!(wakeups.take_link());
        // Another loop's turn is not this loop's.
        {
            let _running = Running::enter(1);
            wakeups.wake_link();
        }
        assert!(woke(&mut poll));
    }
}
