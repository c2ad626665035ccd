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
use crate::server::stream::{self, RelayOut, Tail};
use crate::server::worker_pool::WorkerPool;
use crate::split::backend_mode;
use crate::split::streams;

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
    /// A `response` frame answering the front's request `id` (backend
    /// mode); `window`: the front takes a streamed reply, this many bytes
    /// ahead of its grants (version 3, `split/streams.rs`).
    Frame { id: u64, window: Option<u32> },
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
    // In backend mode a WebSocket route, or a stream the front cannot
    // take, is answered 501 inside the middleware chain (`BehindFront`,
    // put on the request by the loop), so the access log says 501 too.
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
/// In backend mode it goes to the front as version 3's head, then chunks
/// beside the connection's other replies (`relay_out.rs`); to a front
/// that did not offer to take one, it has become a 501 already
/// (`app/core.rs`, `BehindFront`).
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
        Reply::Frame { id, window } => {
            // Both were answered 501 in the chain already (see above);
            // this is the last line of defence, for a request that never
            // went through it.
            if res.is_upgrade() || (res.is_streamed() && window.is_none()) {
                log::error!("request {id}: a stream or an upgrade the front cannot take; 501");
                res = Response::error(Status::NOT_IMPLEMENTED);
            }
            if let (Some(window), true) = (window, res.is_streamed()) {
                let max = shared.settings.max_streams;
                match stream::admit(&shared.open_streams, max) {
                    Some(permit) => match relay_head(id, res, window, permit, &mut bytes) {
                        Ok(relay) => return (bytes, !stopping, Some(Tail::Relay(relay))),
                        Err(error) => res = error,
                    },
                    None => res = stream::refusal(max),
                }
            }
            backend_mode::reply_frame(id, res, &mut bytes);
            (bytes, !stopping, None)
        }
    }
}

/// Queues on `bytes` the head of the stream answering request `id` with
/// `res`, and returns the stream for its connection to relay; or the 500
/// to send instead, if the head is one no front would pass on.
fn relay_head(
    id: u64,
    mut res: Response,
    window: u32,
    permit: stream::StreamPermit,
    bytes: &mut Vec<u8>,
) -> Result<RelayOut, Response> {
    let body = res.take_stream().expect("a streamed response");
    match streams::encode_head(id, res.status().code(), res.headers(), bytes) {
        Ok(()) => Ok(RelayOut {
            id,
            body,
            window,
            permit: Some(permit),
        }),
        Err(bad) => {
            log::error!("cannot send the head of stream {id}: {bad}; sending a 500");
            // Dropping `body` tells its producer.
            Err(Response::error(Status::INTERNAL_SERVER_ERROR))
        }
    }
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
