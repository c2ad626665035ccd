//! A parsed request on its way to a handler: on the event loop's own thread
//! or on a worker, and its answer on its way back.
//!
//! The event loop turns each request into a [`Job`] and asks [`policy`]
//! where it should run: [`runs_inline`] (the loop's thread, between two
//! turns; see `runner.rs`) or [`offload`] (the worker pool, the answer
//! coming back through the loop's inbox). Both end in [`answer`]: middleware
//! and handler, the response encoded (as HTTP, or as a frame in backend
//! mode: [`Reply`]), the run timed for the policy.

use std::sync::Arc;
use std::time::Instant;

use crate::app::router::Resolution;
use crate::http::request::Request;
use crate::http::response::{Response, ResponseFraming};
use crate::http::status::Status;
use crate::server::shared::{Message, Shared};
use crate::server::stream::{self, Tail};
use crate::server::worker_pool::WorkerPool;
use crate::split::backend_mode;

pub(crate) mod policy;

pub(crate) use policy::runs_inline;

/// A request on its way to a handler, with what is needed to answer it.
pub(crate) struct Job {
    /// The connection's slot in its loop, and its id (see [`Message::Done`]).
    pub(crate) slot: usize,
    pub(crate) id: u64,
    pub(crate) req: Request,
    pub(crate) resolution: Resolution,
    pub(crate) reply: Reply,
    /// A recycled buffer to encode the answer into.
    pub(crate) out: Vec<u8>,
}

/// How the answer goes back: what its bytes look like.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reply {
    /// An HTTP response, framed for the client that asked.
    Http(ResponseFraming),
    /// A `response` frame answering the front's request `id` (backend mode).
    Frame { id: u64 },
}

/// Runs middleware and handler for `job` (which started at `started`) and
/// encodes the answer; returns the bytes, whether the connection stays
/// open, and a file or a stream to send after the bytes, if the body is
/// one. Times the run for [`policy`].
pub(crate) fn answer(
    shared: &Shared,
    job: Job,
    started: Instant,
    inline: bool,
) -> (Vec<u8>, bool, Option<Tail>) {
    let stats = shared.timings.of(&job.resolution);
    // Behind a front the upgrade's headers were stripped as hop-by-hop,
    // and a reply frame cannot carry a conversation: a WebSocket route says
    // so instead of running (docs/websockets.md, "Split mode").
    if let (Reply::Frame { id }, Resolution::Found { index, .. }) = (&job.reply, &job.resolution)
        && shared.app.router.routes[*index].websocket
    {
        return encode(shared, websocket_not_relayed(*id), job.reply, job.out);
    }
    let res = shared.app.respond(&job.req, &job.resolution);
    policy::record(stats, started.elapsed(), shared.inline_budget, inline);
    encode(shared, res, job.reply, job.out)
}

/// Encodes `res` as `reply` says into `bytes` (cleared first): a handler's
/// response, or a backend's reply forwarded by the front. Returns what
/// [`answer`] returns.
///
/// A streamed body takes one of the `max_streams` places or becomes a 503
/// (`server/stream.rs`); to an HTTP/1.0 client it ends with the connection.
/// In backend mode it is refused with a 501: a reply frame holds a whole
/// body, and a stream may never end (relaying streams is issue #26's split
/// part, not done yet).
pub(crate) fn encode(
    shared: &Shared,
    mut res: Response,
    reply: Reply,
    mut bytes: Vec<u8>,
) -> (Vec<u8>, bool, Option<Tail>) {
    // A shutdown that began while the handler ran makes this the last response.
    let stopping = shared.shutdown.is_requested();
    bytes.clear();
    match reply {
        Reply::Http(framing) => {
            // An accepted WebSocket upgrade: its 101 head, and the
            // connection switches (`client_conn.rs`). It takes a
            // `max_streams` place, as any connection that stays open
            // without a request does.
            if let Some(upgrade) = res.take_upgrade() {
                let max = shared.settings.max_streams;
                match stream::admit(&shared.open_streams, max) {
                    Some(permit) => {
                        res.encode_upgrade_head(&upgrade.head, &mut bytes);
                        let open = stream::WsOpen {
                            upgrade,
                            permit: Some(permit),
                        };
                        return (bytes, true, Some(Tail::WebSocket(open)));
                    }
                    None => res = stream::refusal(max),
                }
            }
            let mut permit = None;
            if res.is_streamed() && !framing.head_only {
                let max = shared.settings.max_streams;
                match stream::admit(&shared.open_streams, max) {
                    Some(place) => permit = Some(place),
                    // Dropping the handler's response tells its producer.
                    None => res = stream::refusal(max),
                }
            }
            // HTTP/1.0 has no chunks: a stream's end is the connection's.
            let until_close = res.is_streamed() && framing.minor_version == 0;
            let keep_alive = framing.keep_alive && !res.wants_close() && !stopping && !until_close;
            let tail = res.encode(
                ResponseFraming {
                    keep_alive,
                    ..framing
                },
                &mut bytes,
            );
            let chunked = framing.minor_version > 0;
            (bytes, keep_alive, stream::tail(tail, chunked, permit))
        }
        // `Connection: close` from a handler concerns one hop, the front's
        // with its browser: it does not end this connection.
        Reply::Frame { id } => {
            let res = if res.is_upgrade() {
                websocket_not_relayed(id)
            } else if res.is_streamed() {
                log::error!(
                    "a handler answered request {id} with a streamed body, which split mode \
                     cannot relay yet; sending a 501"
                );
                Response::error(Status::NOT_IMPLEMENTED)
            } else {
                res
            };
            backend_mode::reply_frame(id, res, &mut bytes);
            (bytes, !stopping, None)
        }
    }
}

/// A backend's answer to a WebSocket route: 501, with a sentence saying why.
fn websocket_not_relayed(id: u64) -> Response {
    log::warn!("request {id} is for a WebSocket route, which split mode does not relay yet: 501");
    Response::text(
        "WebSockets are not relayed in split mode yet: this route needs the server \
         in HTTP mode (see docs/websockets.md).\n",
    )
    .with_status(Status::NOT_IMPLEMENTED)
}

/// Sends `job` to the worker pool; the answer comes back through loop `index`'s inbox.
pub(crate) fn offload(shared: &Arc<Shared>, pool: &WorkerPool, index: usize, job: Job) {
    let shared = shared.clone();
    pool.execute(move || {
        let (slot, id) = (job.slot, job.id);
        let (bytes, keep_alive, tail) = answer(&shared, job, Instant::now(), false);
        shared.inboxes[index].send(Message::Done {
            slot,
            id,
            bytes,
            keep_alive,
            tail,
        });
    });
}
