//! What the event loops, their runners and the workers share, and how they
//! talk to a loop.
//!
//! A loop owns its connections outright; other threads reach it only
//! through its [`Inbox`]: a queue of [`Message`]s and the `mio::Waker` that
//! interrupts its `poll`. A worker that finished a handler posts the
//! response bytes there; a loop that accepted a connection for a less busy
//! loop posts the socket there. Everything else every thread needs to read
//! (the app, the settings, the counters) is in [`Shared`], behind one `Arc`.

use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mio::Waker;
use mio::net::TcpStream;

use crate::app::core::AppCore;
use crate::config::settings::Settings;
use crate::data::error::DbError;
use crate::data::pg_link::PgLink;
use crate::http::body_plan::{BodyPlan, BodyPlanner};
use crate::http::parse_error::Limits;
use crate::server::dispatch::policy::RouteTimings;
use crate::server::shutdown::ShutdownHandle;
use crate::server::stats::Counters;
use crate::server::stream::Tail;

/// What other threads send to a loop.
pub(crate) enum Message {
    /// A worker finished the request of connection `slot`/`id`.
    Done {
        slot: usize,
        id: u64,
        bytes: Vec<u8>,
        keep_alive: bool,
        /// A body to send after `bytes`, if it is a file or a stream.
        tail: Option<Tail>,
    },
    /// The streamed body of connection `slot`/`id` has chunks, or has
    /// ended (`server/loop_waker.rs`).
    Wake { slot: usize, id: u64 },
    /// Another loop accepted a connection and hands it over.
    Adopt(TcpStream, SocketAddr),
    /// A worker connected this loop's database connection (or could not):
    /// `server/loop_db.rs`.
    Database(Result<Box<PgLink>, DbError>),
}

/// A loop's mailbox: a queue plus the `Waker` that interrupts its `poll`.
pub(crate) struct Inbox {
    pub(crate) queue: Mutex<Vec<Message>>,
    pub(crate) waker: Arc<Waker>,
}

impl Inbox {
    /// Queues `message` and wakes the loop if it may be asleep.
    pub(crate) fn send(&self, message: Message) {
        let was_empty = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.push(message);
            queue.len() == 1
        };
        // Only the first message needs a wake-up: the loop drains them all at once.
        if was_empty {
            let _ = self.waker.wake();
        }
    }
}

/// Everything the loops and workers share.
pub(crate) struct Shared {
    pub(crate) app: AppCore,
    pub(crate) settings: Settings,
    pub(crate) limits: Limits,
    pub(crate) inline_budget: Duration,
    /// How each route has behaved, to decide where it runs next.
    pub(crate) timings: RouteTimings,
    /// One set per event loop; [`crate::Server::stats`] adds them up.
    pub(crate) counters: Vec<Counters>,
    /// Connections open in the whole server, against `max_connections`.
    pub(crate) open: AtomicUsize,
    /// Streamed responses open in the whole server, against `max_streams`
    /// (`server/stream.rs`).
    pub(crate) open_streams: Arc<AtomicUsize>,
    /// Connections open on each loop: a new one goes to the least loaded.
    pub(crate) loads: Vec<AtomicUsize>,
    pub(crate) inboxes: Vec<Inbox>,
    pub(crate) shutdown: ShutdownHandle,
}

impl Shared {
    /// The body limit for a request to `method` and `target`: its route's
    /// ([`Route::max_body`](crate::Route::max_body)), else `max_body_bytes`.
    pub(crate) fn body_limit(&self, method: &str, target: &str) -> usize {
        self.app
            .router
            .route_for(method, path_of(target))
            .and_then(|route| route.max_body)
            .unwrap_or(self.limits.max_body)
    }
}

/// The decoder asks the routes about each body (`http/body_plan.rs`): its
/// limit, and whether a multipart form is parsed as it streams: yes for a
/// route the app answers; no for a forwarding route, whose backend gets the
/// bytes as they came, nor for a path with no route (gathered, and 404).
impl BodyPlanner for Shared {
    fn plan(&self, method: &str, target: &str) -> BodyPlan {
        let route = self.app.router.route_for(method, path_of(target));
        BodyPlan {
            max_body: route
                .and_then(|route| route.max_body)
                .unwrap_or(self.limits.max_body),
            uploads: route
                .filter(|route| route.forward.is_none())
                .map(|_| self.app.state.uploads.clone()),
        }
    }
}

/// The path of a request target, as [`Request::path`](crate::Request::path)
/// gives it: no query, and no scheme and host in the absolute form.
fn path_of(target: &str) -> &str {
    let target = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    target.split('?').next().unwrap_or(target)
}
