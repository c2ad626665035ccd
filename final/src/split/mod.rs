//! Split mode (step 06's layer): one process speaks HTTP to browsers, others
//! run the app, and length-prefixed JSON frames go between them.
//!
//! | file | concept |
//! |---|---|
//! | `auth.rs` | version 2: the handshake that proves a front and a backend share the split key, sans-IO |
//! | `protocol.rs` | the frames: step 06's module, plus conversions to and from httprs's requests and responses |
//! | `backend.rs` | an app in backend mode: frames in, the same `AppCore` as HTTP, frames out |
//! | `codec.rs` | the hot frames without step 06's copies, byte for byte the same |
//! | `proxy/` | the front's forwarding, from its event loops: backends in turn, down and back, retries, 502 and 504 |
//! | `front.rs` | `httprs-front`: its flags, and the app around the forwarding route |

pub(crate) mod backend_mode;
pub(crate) mod codec;
pub(crate) mod handshake;
pub mod protocol;
pub(crate) mod proxy;
