//! WebSocket routes and groups: where an application meets `http/websocket/`.
//!
//! [`App::websocket`] adds a `GET` route whose handler checks the upgrade
//! ([`Upgrade::accept`]): a request that is no proper handshake is answered
//! as HTTP (400, 426; another method gets the router's 405) and the
//! connection goes on as HTTP; an accepted one carries the route's
//! [`WsHandler`] to the event loop, which sends the `101` and switches the
//! connection (`server/client_conn.rs`, `server/ws_conn.rs`). The upgrade
//! runs through the middleware like any request, so the handler's
//! [`Request`] has its session, its parameters, its request id.
//!
//! [`WsGroup`] is "send to everyone in the room". It is not `broadcast.rs`'s
//! [`Broadcast`](crate::Broadcast): that one holds server-sent event
//! streams, whose slow readers can be dropped and reconnect with
//! `Last-Event-ID`. A WebSocket has no such resume, so a member whose queue
//! is full is **closed with 1013** ("try again later"), which tells its
//! client to reconnect and reload, rather than silently missing messages.
//! Either way the sender never waits for the slowest member.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::app::App;
use crate::app::router::Route;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::http::websocket::{Upgrade, WsHandler, WsOptions, WsSendError, WsSender, WsUpgrade};

/// Close code a full member of a [`WsGroup`] is closed with.
const TRY_AGAIN_LATER: u16 = 1013;

impl App {
    /// Adds a WebSocket route with the default [`WsOptions`].
    ///
    #[doc = include_str!("../../docs/websockets.md")]
    ///
    /// # Examples
    /// ```no_run
    /// use httprs::{App, Request};
    /// use httprs::dev::websocket::{Message, WsSender};
    /// App::new().websocket("/echo", |ws: &WsSender, _: &Request, m: Message| {
    ///     let _ = match m {
    ///         Message::Text(text) => ws.send_text(text),
    ///         Message::Binary(data) => ws.send_binary(data),
    ///     };
    /// });
    /// ```
    pub fn websocket(self, pattern: &str, handler: impl WsHandler) -> App {
        self.websocket_with(pattern, WsOptions::default(), handler)
    }

    /// [`App::websocket`] with a route's own limits.
    pub fn websocket_with(self, pattern: &str, options: WsOptions, handler: impl WsHandler) -> App {
        let handler: Arc<dyn WsHandler> = Arc::new(handler);
        let mut route = Route::new(Some("GET"), pattern, move |req: &Request| -> Response {
            match Upgrade::accept(req, options.protocols) {
                Ok(upgrade) => Response::upgrade(WsUpgrade::new(
                    upgrade.response_head(),
                    upgrade.protocol().map(str::to_owned),
                    options,
                    handler.clone(),
                    req.clone(),
                )),
                Err(refused) => refused.response(),
            }
        });
        route.websocket = true;
        self.add_route(route)
    }
}

/// A set of WebSocket connections that receive the same messages (a chat
/// room); clones share the set. See the module docs for a full member.
#[derive(Debug, Clone, Default)]
pub struct WsGroup {
    members: Arc<Mutex<Vec<WsSender>>>,
}

impl WsGroup {
    /// An empty group.
    pub fn new() -> WsGroup {
        WsGroup::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<WsSender>> {
        // A broadcast that panicked mid-way left a usable list.
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `ws` (from `on_open`, usually).
    pub fn join(&self, ws: &WsSender) {
        self.lock().push(ws.clone());
    }

    /// Removes `ws` (from `on_close`, usually; a closed member is also
    /// removed at the next broadcast).
    pub fn leave(&self, ws: &WsSender) {
        self.lock().retain(|m| !m.same_connection(ws));
    }

    /// How many members the group has.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the group has no members.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Queues `text` for every member without waiting; a member whose queue
    /// is full is closed with 1013 and removed, one that has gone is
    /// removed. Returns how many took it.
    pub fn broadcast_text(&self, text: &str) -> usize {
        self.broadcast(|ws| ws.send_text(text))
    }

    /// [`WsGroup::broadcast_text`] for a binary message.
    pub fn broadcast_binary(&self, data: &[u8]) -> usize {
        self.broadcast(|ws| ws.send_binary(data))
    }

    fn broadcast(&self, send: impl Fn(&WsSender) -> Result<(), WsSendError>) -> usize {
        let mut members = self.lock();
        members.retain(|ws| match send(ws) {
            Ok(()) => true,
            Err(WsSendError::Full) => {
                let _ = ws.close(TRY_AGAIN_LATER, "too slow: reconnect");
                false
            }
            Err(WsSendError::Closed) => false,
        });
        members.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::websocket::{Message, OUTBOX_BYTES, Outgoing};

    fn member() -> WsUpgrade {
        WsUpgrade::new(
            Vec::new(),
            None,
            WsOptions::default(),
            Arc::new(|_: &WsSender, _: &Request, _: Message| {}),
            Request::new("GET", "/room"),
        )
    }

    #[test]
    fn a_member_whose_queue_is_full_is_closed_with_1013_and_the_others_get_the_message() {
        let (slow, fast) = (member(), member());
        let group = WsGroup::new();
        group.join(&slow.sender());
        group.join(&fast.sender());
        slow.sender().send_binary(vec![0; OUTBOX_BYTES]).unwrap();
        assert_eq!(group.broadcast_text("news"), 1);
        assert_eq!(group.len(), 1, "the slow one left the group");
        assert!(matches!(fast.link.take_outgoing(), Some(Outgoing::Text(t)) if t == "news"));
        assert!(matches!(
            slow.link.take_outgoing(),
            Some(Outgoing::Binary(_))
        ));
        match slow.link.take_outgoing() {
            Some(Outgoing::Close(code, _)) => assert_eq!(code.get(), 1013),
            other => panic!("expected a close with 1013, got {other:?}"),
        }
    }

    #[test]
    fn a_member_that_left_is_not_sent_to() {
        let one = member();
        let group = WsGroup::new();
        group.join(&one.sender());
        group.leave(&one.sender());
        assert!(group.is_empty());
        assert_eq!(group.broadcast_text("anyone?"), 0);
        assert!(one.link.take_outgoing().is_none());
    }
}
