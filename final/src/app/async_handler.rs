//! Async handlers: a handler that waits for the database without holding
//! a thread ([`Route::get_async`](crate::Route::get_async)).
//!
//! A plain [`Handler`](crate::Handler) that queries PostgreSQL holds its
//! thread for the round trip, so it runs on a worker, and each request
//! costs the hand-off there and back. An async handler returns a future
//! instead: the event loop that read the request polls it, and when it
//! waits for rows (`req.db_async()`, `data/async_db.rs`) the loop serves
//! other connections, sends every statement its handlers queued in one
//! write, and polls the future again when its rows come. Why and what it
//! costs: `final/docs/database.md`, "Async handlers".
//!
//! The handler is an `async fn` of an `Arc<Request>`: the future owns its
//! share of the request, so it may hold it across an `.await` and render a
//! page with it at the end, and it can move between threads. Where no loop
//! runs it (a worker, while the loop's connection is being made; a SQLite
//! database; [`App::handle`](crate::App::handle) in a unit test),
//! [`block_on`] polls the same future on the calling thread, and
//! `req.db_async()` gives the pool there: one handler, every path.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use crate::app::handler::Handler;
use crate::http::into_response::IntoResponse;
use crate::http::request::Request;
use crate::http::response::Response;

/// A handler's answer on its way: a boxed future, movable between threads.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// Turns a request into a future response; see the module docs and
/// [`Route::get_async`](crate::Route::get_async). Every
/// `async fn(Arc<Request>) -> R` is one, for any `R` that becomes a
/// response (`Result<Response, DbError>` included, so `?` works).
pub trait AsyncHandler: Send + Sync + 'static {
    /// Starts answering `req`; the work is the future.
    fn call(&self, req: Arc<Request>) -> ResponseFuture;
}

impl<F, Fut, R> AsyncHandler for F
where
    F: Fn(Arc<Request>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn call(&self, req: Arc<Request>) -> ResponseFuture {
        let future = self(req);
        Box::pin(async move { future.await.into_response() })
    }
}

/// An async handler as a plain one, for where no event loop runs it.
pub(crate) struct Blocking(pub(crate) Arc<dyn AsyncHandler>);

impl Handler for Blocking {
    fn handle(&self, req: &Request) -> Response {
        // A copy: the chain lends the request, the future must own one.
        // Only this slower path pays for it; a loop moves its request in.
        block_on(self.0.call(Arc::new(req.clone())))
    }
}

/// Wakes the thread parked in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread until it is done, parking in between.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        // A spurious unpark only means one more poll.
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::status::Status;

    #[test]
    fn an_async_fn_of_the_request_answers_through_its_future() {
        async fn handler(req: Arc<Request>) -> String {
            format!(
                "hello, {}",
                req.query("name").unwrap_or_else(|| "world".into())
            )
        }
        let res = Blocking(Arc::new(handler)).handle(&Request::new("GET", "/?name=you"));
        assert_eq!(res.body_text(), "hello, you");
    }

    #[test]
    fn block_on_waits_for_a_future_woken_from_another_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        let waiter = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            waker.wake();
        });
        let mut sent = false;
        let answer = block_on(std::future::poll_fn(|cx| {
            if done.load(std::sync::atomic::Ordering::SeqCst) {
                return Poll::Ready((Status::OK, "woken"));
            }
            if !sent {
                tx.send(cx.waker().clone()).unwrap();
                sent = true;
            }
            Poll::Pending
        }));
        assert_eq!(answer.1, "woken");
        waiter.join().unwrap();
    }
}
