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
use crate::http::file_body::FileBody;
use crate::http::request::Request;
use crate::http::response::{Response, ResponseFraming};
use crate::server::shared::{Message, Shared};
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
/// open, and a file to stream after the bytes, if the body is one. Times
/// the run for [`policy`].
pub(crate) fn answer(
    shared: &Shared,
    job: Job,
    started: Instant,
    inline: bool,
) -> (Vec<u8>, bool, Option<FileBody>) {
    let stats = shared.timings.of(&job.resolution);
    let res = shared.app.respond(&job.req, &job.resolution);
    policy::record(stats, started.elapsed(), shared.inline_budget, inline);
    encode(shared, res, job.reply, job.out)
}

/// Encodes `res` as `reply` says into `bytes` (cleared first): a handler's
/// response, or a backend's reply forwarded by the front. Returns what
/// [`answer`] returns.
pub(crate) fn encode(
    shared: &Shared,
    res: Response,
    reply: Reply,
    mut bytes: Vec<u8>,
) -> (Vec<u8>, bool, Option<FileBody>) {
    // A shutdown that began while the handler ran makes this the last response.
    let stopping = shared.shutdown.is_requested();
    bytes.clear();
    match reply {
        Reply::Http(framing) => {
            let keep_alive = framing.keep_alive && !res.wants_close() && !stopping;
            let file = res.encode(
                ResponseFraming {
                    keep_alive,
                    ..framing
                },
                &mut bytes,
            );
            (bytes, keep_alive, file)
        }
        // `Connection: close` from a handler concerns one hop, the front's
        // with its browser: it does not end this connection.
        Reply::Frame { id } => {
            backend_mode::reply_frame(id, res, &mut bytes);
            (bytes, !stopping, None)
        }
    }
}

/// Sends `job` to the worker pool; the answer comes back through loop `index`'s inbox.
pub(crate) fn offload(shared: &Arc<Shared>, pool: &WorkerPool, index: usize, job: Job) {
    let shared = shared.clone();
    pool.execute(move || {
        let (slot, id) = (job.slot, job.id);
        let (bytes, keep_alive, file) = answer(&shared, job, Instant::now(), false);
        shared.inboxes[index].send(Message::Done {
            slot,
            id,
            bytes,
            keep_alive,
            file,
        });
    });
}
