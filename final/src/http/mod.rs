//! The protocol layer: requests from bytes, responses to bytes (steps 02
//! and 03). Nothing here knows about sockets, threads or routes; the
//! server feeds the decoder whatever each read brought and writes what
//! [`Response::encode`](response::Response) produced.

pub(crate) mod accept_encoding;
pub(crate) mod body_plan;
pub(crate) mod buffer;
pub(crate) mod chunked;
pub(crate) mod cookie;
pub(crate) mod date;
pub(crate) mod decimal;
pub(crate) mod extensions;
pub(crate) mod file_body;
pub(crate) mod form_de;
pub(crate) mod headers;
pub(crate) mod host;
pub(crate) mod into_response;
pub(crate) mod multipart;
pub(crate) mod parse;
pub(crate) mod parse_error;
pub(crate) mod problem;
pub(crate) mod request;
pub(crate) mod request_id;
pub(crate) mod response;
pub(crate) mod sse;
pub(crate) mod state;
pub(crate) mod status;
pub(crate) mod stream_body;
pub(crate) mod trusted_proxies;
pub(crate) mod typed_input;
pub(crate) mod upload;
pub mod websocket;
