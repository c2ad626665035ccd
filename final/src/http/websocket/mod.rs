//! WebSockets (RFC 6455), sans-IO: the upgrade, frames, messages, the close.
//!
//! HTTP is one question, one answer. A chat, a live feed or a game needs
//! the server to speak first, whenever it has something to say. A WebSocket
//! gets there by *upgrading* an HTTP connection: the client sends a `GET`
//! with `Upgrade: websocket`, the server answers `101 Switching Protocols`
//! ([`Upgrade`]), and from the next byte the same TCP connection carries
//! *frames* in both directions, for as long as either side wants.
//!
//! A frame is a small header (FIN, an opcode, a mask bit, a length in one
//! of three sizes, the client's masking key) and a payload; `frame.rs`
//! says why lengths have three sizes and why clients mask. A message is
//! one frame or several fragments (`message.rs`); close, ping and pong are
//! control frames, allowed between fragments (`close.rs` has the codes).
//! [`WebSocket`] ties them together as a state machine with no socket:
//! bytes in ([`WebSocket::feed`]), [`Event`]s out one at a time
//! ([`WebSocket::next_event`]), and the bytes it owes
//! (pongs, the close echoed, what the application sends) in
//! [`WebSocket::output`], for the event loop to write.
//!
//! Every fault a peer can commit has one close code (1002 for the
//! protocol, 1007 for text that is not UTF-8, 1009 for a message over the
//! limit: [`ProtocolError`]) and ends that connection only.
//!
//! What it leaves out: extensions (permessage-deflate; a frame with an RSV
//! bit set is refused, since none is ever agreed), and sending fragmented
//! messages (each message goes as one frame; receiving fragments works).
//!
//! | file | concept |
//! |---|---|
//! | `handshake.rs` | the upgrade request checked; `Sec-WebSocket-Accept`; the subprotocol; the 101 head |
//! | `frame.rs` | one frame: header, the three lengths, masking by words, the encoder |
//! | `message.rs` | fragments joined; text checked as it arrives; the maximum size |
//! | `close_code.rs`, `close.rs` | close codes (which a peer may send), and a close frame's body |
//! | `error.rs` | each fault, and its close code |
//! | `connection.rs` | the state machine: `feed`, `next_event`; sends → output; the close handshake |
//! | `handler.rs` | the application's side: [`WsHandler`], [`WsSender`], the link to the event loop |

mod close;
mod close_code;
mod connection;
mod error;
mod frame;
mod handler;
mod handshake;
mod message;

pub use close::CloseFrame;
pub use close_code::CloseCode;
pub use connection::{Event, SendError, WebSocket};
pub use error::ProtocolError;
pub use frame::{
    Frame, FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN, Opcode, Role, apply_mask,
    decode_frame, encode_frame, parse_header,
};
pub(crate) use handler::{Link, Outgoing, WsUpgrade};
pub use handler::{OUTBOX_BYTES, WsHandler, WsOptions, WsSendError, WsSender};
pub use handshake::{HandshakeError, Upgrade, accept_key};
pub use message::Message;
