//! The server's counters: one set per event loop, added up on demand.
//!
//! Each loop bumps only its own [`Counters`], so no two cores ever write the
//! same cache line at every response; [`Stats`] is their sum, taken when
//! someone asks ([`crate::Server::stats`]).

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters for the whole server; see [`Server::stats`](crate::Server::stats).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Connections accepted (refused ones not included).
    pub accepted: u64,
    /// Connections refused because `max_connections` were open.
    pub refused: u64,
    /// Connections to which at least one complete response was written.
    pub served: u64,
    /// Responses sent (including 4xx/5xx from the server itself).
    pub responses: u64,
    /// Connections open right now.
    pub open: u64,
    /// Streamed responses (server-sent events, ...) open right now, against `max_streams`.
    pub streams: u64,
}

/// One loop's counters, alone on its cache line: each loop bumps its own
/// at every response, and two cores writing one line would slow both.
#[derive(Default)]
#[repr(align(64))]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) served: AtomicU64,
    pub(crate) responses: AtomicU64,
}

impl Counters {
    /// The sum of `counters`, with `open` connections open right now.
    pub(crate) fn sum(counters: &[Counters], open: u64) -> Stats {
        let sum = |field: fn(&Counters) -> &AtomicU64| -> u64 {
            counters
                .iter()
                .map(|c| field(c).load(Ordering::Relaxed))
                .sum()
        };
        Stats {
            accepted: sum(|c| &c.accepted),
            refused: sum(|c| &c.refused),
            served: sum(|c| &c.served),
            responses: sum(|c| &c.responses),
            open,
            streams: 0,
        }
    }
}
