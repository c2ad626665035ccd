//! Where a handler runs: inside the event loop, or on a worker thread. A
//! route runs inline once its last `64 << strikes` runs each finished within
//! the inline budget; a second slow run within 64 runs of the first sends it
//! back, and adds a strike if it ran inline. Why, and the risk it takes, in
//! `final/docs/architecture.md` ("Where a handler runs").

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::app::router::Resolution;

/// How a route's handler has behaved so far; read by [`runs_inline`] to
/// decide where it runs next.
#[derive(Default)]
pub(crate) struct RouteStats {
    /// Consecutive runs that finished within the inline budget.
    pub(crate) fast_runs: AtomicU32,
    /// Runs inside an event loop that overstayed the budget.
    pub(crate) strikes: AtomicU32,
    /// After a slow run, how many runs more a second one would confirm it
    /// (0: no slow run lately). See [`record`].
    pub(crate) suspect: AtomicU32,
}

/// Every route's [`RouteStats`], by its index in the URL table, and one
/// more set for requests no route matched (404 and 405, which run
/// middleware only). Kept by the server, not by the routes: where a
/// handler runs is the server's business, not the URL table's.
pub(crate) struct RouteTimings {
    routes: Vec<RouteStats>,
    unmatched: RouteStats,
}

impl RouteTimings {
    /// One set per route; a route that `may_block` never runs inline.
    pub(crate) fn new(may_block: impl Iterator<Item = bool>) -> RouteTimings {
        let routes = may_block
            .map(|may_block| {
                let stats = RouteStats::default();
                if may_block {
                    never_inline(&stats);
                }
                stats
            })
            .collect();
        RouteTimings {
            routes,
            unmatched: RouteStats::default(),
        }
    }

    /// The timings of whatever answers a request resolved to `resolution`.
    pub(crate) fn of(&self, resolution: &Resolution) -> &RouteStats {
        match resolution {
            Resolution::Found { index, .. } => &self.routes[*index],
            _ => &self.unmatched,
        }
    }
}

/// Runs in a row needed before a route first runs inline.
const FIRST_STREAK: u32 = 64;
/// Strikes after which a route never runs inline again.
const MAX_STRIKES: u32 = 16;
/// Fast runs in a row after which one strike is forgiven.
const FORGIVE_EVERY: u32 = 4096;
/// Runs after a slow one within which a second slow one confirms it.
const CONFIRM_WITHIN: u32 = 64;
/// Budgets past which one run is slow enough alone: longer than a
/// preemption lasts (a few milliseconds at most on a busy Linux), so a
/// handler that blocks now and then, for that long, cannot stay inline.
const SLOW_ALONE: u32 = 16;

/// Whether the next request for this route should run inside the event loop.
pub(crate) fn runs_inline(stats: &RouteStats, budget: Duration) -> bool {
    if budget.is_zero() {
        return false;
    }
    let strikes = stats.strikes.load(Ordering::Relaxed);
    strikes < MAX_STRIKES && stats.fast_runs.load(Ordering::Relaxed) >= FIRST_STREAK << strikes
}

/// Keeps a route on the workers for good ([`crate::Route::may_block`]).
fn never_inline(stats: &RouteStats) {
    stats.strikes.store(MAX_STRIKES, Ordering::Relaxed);
}

/// Records how long one run took (`inline`: whether it ran in the loop).
///
/// One slow run alone changes nothing but a watch on the next
/// [`CONFIRM_WITHIN`] runs: on a busy machine a fast handler is now and then
/// preempted mid-run (a load generator woken by our own `send` takes the
/// core) and only *looks* slow, about once every ten thousand runs of
/// TechEmpower's plaintext on two shared cores, and each time it cost the
/// route its streak and a trip to the workers for hundreds of requests.
/// A handler that really is slow is slow again at once: the second slow run
/// within the watch ends the streak, and adds a strike if it ran inline;
/// so does one run over [`SLOW_ALONE`] budgets, which no preemption explains.
pub(crate) fn record(stats: &RouteStats, elapsed: Duration, budget: Duration, inline: bool) {
    if elapsed <= budget {
        let suspect = stats.suspect.load(Ordering::Relaxed);
        if suspect > 0 {
            stats.suspect.store(suspect - 1, Ordering::Relaxed);
        }
        let runs = stats.fast_runs.load(Ordering::Relaxed);
        let strikes = stats.strikes.load(Ordering::Relaxed);
        // Nothing left to count: a route inline with no strikes to forgive,
        // or one banned for good. Not writing is the point: two loops on
        // two cores running a route each storing to its stats at every
        // request would pass their cache line back and forth.
        if strikes >= MAX_STRIKES || (strikes == 0 && runs >= FIRST_STREAK) {
            return;
        }
        // Saturating: a route served a billion times must not wrap to zero.
        if runs < u32::MAX {
            stats.fast_runs.store(runs + 1, Ordering::Relaxed);
        }
        // Forgive a strike now and then: preemptions that came twice in a
        // watch still look like slow runs. A handler that really blocks
        // earns strikes far faster than they are forgiven.
        if runs % FORGIVE_EVERY == FORGIVE_EVERY - 1 && strikes > 0 {
            stats.strikes.store(strikes - 1, Ordering::Relaxed);
        }
        return;
    }
    // The first slow run lately, and not far over: watch the next ones.
    // (A compare-exchange: of two threads finishing slow runs at once, one
    // starts the watch and the other confirms it.)
    let first = stats
        .suspect
        .compare_exchange(0, CONFIRM_WITHIN, Ordering::Relaxed, Ordering::Relaxed)
        .is_ok();
    let far_over = elapsed > budget * SLOW_ALONE;
    if first && !far_over {
        return;
    }
    stats.suspect.store(0, Ordering::Relaxed);
    stats.fast_runs.store(0, Ordering::Relaxed);
    if inline {
        let strikes = stats.strikes.fetch_add(1, Ordering::Relaxed) + 1;
        let why = if far_over {
            format!("over {SLOW_ALONE} budgets")
        } else {
            format!("its second slow run in {CONFIRM_WITHIN}")
        };
        log::debug!(
            "a handler took {:.3}ms inside an event loop ({why}); back to the workers (strike {strikes})",
            elapsed.as_secs_f64() * 1000.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUDGET: Duration = Duration::from_micros(200);
    const FAST: Duration = Duration::from_micros(5);
    const SLOW: Duration = Duration::from_millis(50);
    /// Over the budget, as a fast handler preempted mid-run looks.
    const PREEMPTED: Duration = Duration::from_millis(1);

    #[test]
    fn a_route_runs_inline_only_after_a_streak_of_fast_runs() {
        let stats = RouteStats::default();
        for _ in 0..FIRST_STREAK {
            assert!(!runs_inline(&stats, BUDGET));
            record(&stats, FAST, BUDGET, false);
        }
        assert!(runs_inline(&stats, BUDGET));
        assert!(
            !runs_inline(&stats, Duration::ZERO),
            "a zero budget disables it"
        );
    }

    #[test]
    fn a_slow_inline_run_sends_the_route_back_and_doubles_the_streak() {
        let stats = RouteStats::default();
        for _ in 0..FIRST_STREAK {
            record(&stats, FAST, BUDGET, false);
        }
        record(&stats, PREEMPTED, BUDGET, true);
        assert!(runs_inline(&stats, BUDGET), "one slow run alone is watched");
        record(&stats, PREEMPTED, BUDGET, true);
        assert!(!runs_inline(&stats, BUDGET), "a second one sends it back");
        for _ in 0..FIRST_STREAK {
            record(&stats, FAST, BUDGET, false);
        }
        assert!(!runs_inline(&stats, BUDGET), "needs twice the streak now");
        for _ in 0..FIRST_STREAK {
            record(&stats, FAST, BUDGET, false);
        }
        assert!(runs_inline(&stats, BUDGET));
    }

    #[test]
    fn a_lone_slow_run_costs_nothing_and_the_watch_ends_after_its_window() {
        let stats = RouteStats::default();
        for _ in 0..FIRST_STREAK {
            record(&stats, FAST, BUDGET, false);
        }
        // A preempted run, then enough fast ones to end the watch: another
        // lone slow run is watched afresh, not taken as the second.
        for _ in 0..3 {
            record(&stats, PREEMPTED, BUDGET, true);
            assert!(runs_inline(&stats, BUDGET));
            for _ in 0..CONFIRM_WITHIN {
                record(&stats, FAST, BUDGET, true);
            }
        }
        assert_eq!(stats.strikes.load(Ordering::Relaxed), 0);
        // Two within the window: a strike.
        record(&stats, PREEMPTED, BUDGET, true);
        for _ in 0..CONFIRM_WITHIN - 1 {
            record(&stats, FAST, BUDGET, true);
        }
        record(&stats, PREEMPTED, BUDGET, true);
        assert_eq!(stats.strikes.load(Ordering::Relaxed), 1);
        assert!(!runs_inline(&stats, BUDGET));
    }

    #[test]
    fn a_run_far_over_the_budget_counts_alone() {
        let stats = RouteStats::default();
        for _ in 0..FIRST_STREAK {
            record(&stats, FAST, BUDGET, false);
        }
        assert!(runs_inline(&stats, BUDGET));
        // Over the budget but within what a preemption explains: watched.
        record(&stats, BUDGET * SLOW_ALONE, BUDGET, true);
        assert!(runs_inline(&stats, BUDGET));
        for _ in 0..CONFIRM_WITHIN {
            record(&stats, FAST, BUDGET, true);
        }
        // A handler that blocks for 50 ms once in a while: back at once,
        // every time, however many fast runs came between.
        for strike in 1..=3 {
            record(&stats, SLOW, BUDGET, true);
            assert!(!runs_inline(&stats, BUDGET));
            assert_eq!(stats.strikes.load(Ordering::Relaxed), strike);
            for _ in 0..FIRST_STREAK << strike {
                record(&stats, FAST, BUDGET, false);
            }
            assert!(runs_inline(&stats, BUDGET));
        }
    }

    #[test]
    fn strikes_are_forgiven_after_a_long_fast_streak_but_not_past_the_limit() {
        let stats = RouteStats::default();
        stats.strikes.store(3, Ordering::Relaxed);
        for _ in 0..FORGIVE_EVERY {
            record(&stats, FAST, BUDGET, true);
        }
        assert_eq!(stats.strikes.load(Ordering::Relaxed), 2);
        stats.strikes.store(MAX_STRIKES, Ordering::Relaxed);
        for _ in 0..2 * FORGIVE_EVERY {
            record(&stats, FAST, BUDGET, false);
        }
        assert!(!runs_inline(&stats, BUDGET), "banned for good");
    }

    #[test]
    fn a_settled_route_writes_nothing_until_a_slow_run() {
        let stats = RouteStats::default();
        for _ in 0..FIRST_STREAK + 10 {
            record(&stats, FAST, BUDGET, true);
        }
        assert_eq!(
            stats.fast_runs.load(Ordering::Relaxed),
            FIRST_STREAK,
            "no count past the streak"
        );
        // A slow run is still watched and a second one still counts.
        record(&stats, PREEMPTED, BUDGET, true);
        record(&stats, FAST, BUDGET, true);
        record(&stats, PREEMPTED, BUDGET, true);
        assert_eq!(stats.strikes.load(Ordering::Relaxed), 1);
        assert!(!runs_inline(&stats, BUDGET));
    }

    #[test]
    fn a_route_marked_as_blocking_never_runs_inline_however_fast() {
        let stats = RouteStats::default();
        never_inline(&stats);
        for _ in 0..100_000 {
            record(&stats, FAST, BUDGET, false);
        }
        assert!(!runs_inline(&stats, BUDGET));
    }

    #[test]
    fn a_route_that_is_always_slow_never_runs_inline() {
        let stats = RouteStats::default();
        for _ in 0..10_000 {
            record(&stats, SLOW, BUDGET, false);
            assert!(!runs_inline(&stats, BUDGET));
        }
    }
}
