//! Split mode (step 06's layer): one process speaks HTTP to browsers, others
//! run the app, and length-prefixed JSON frames go between them.
//!
//! | file | concept |
//! |---|---|
//! | `handshake.rs` | version 2: the handshake that proves a front and a backend share the split key, sans-IO |
//! | `protocol.rs` | the frames: step 06's module, plus conversions to and from httprs's requests and responses |
//! | `backend_mode.rs` | an app in backend mode: frames in (to become requests for the same `AppCore` as HTTP), frames out |
//! | `codec.rs` | the hot frames without step 06's copies, byte for byte the same |
//! | `streams.rs` | version 3: a streamed reply as head, chunks and end, with the front's credit and cancel |
//! | `proxy/` | the front's choices: backends in turn, down and back, what may be retried, `X-Forwarded-*` |
//!
//! Sans-IO, all of it: no file here opens a socket. The sockets that carry
//! these bytes are in `server/` (`client_conn.rs` on a backend,
//! `backend_conn.rs` and `forwarder.rs` on a front), one floor up, and
//! `httprs-front`'s options are in `run/front.rs`.

pub(crate) mod backend_mode;
pub(crate) mod codec;
pub(crate) mod handshake;
pub mod protocol;
pub(crate) mod proxy;
pub(crate) mod streams;
