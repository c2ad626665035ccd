//! A name for each request, so that one line of the access log, the
//! `X-Request-Id` a browser's developer tools show, and a backend's log in
//! split mode can be matched up.
//!
//! Made here it is a per-process random prefix and a counter,
//! `5f3a9c1e-1042`: unique within the process for its whole life (a 64-bit
//! counter does not wrap), unlikely to repeat across processes (32 random
//! bits), and costing no system call and, most of the time, no atomic
//! operation: each thread takes its numbers from the shared counter in
//! blocks of [`BLOCK`] (two event loops on two cores adding one to the same
//! counter at every request would pass its cache line back and forth, a
//! measurable cost at a million requests a second). So numbers grow within
//! a thread, not across threads. A trusted proxy may
//! name the request instead (nginx's `$request_id`, or the front in split
//! mode), and its name is taken as it is, if it looks like one: at most
//! [`MAX_LEN`] characters, each a letter, a digit or one of `-_.:`. Anything
//! else (longer, spaces, quotes, a CR LF) would land in our log lines and
//! headers, so it is replaced by our own.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::http::decimal::decimal;

/// The header that carries the id, both ways.
pub(crate) const HEADER: &str = "X-Request-Id";

/// The longest id accepted from a proxy (nginx's are 32 hex digits).
pub(crate) const MAX_LEN: usize = 64;

/// A request's id, as [`generate`] made it or a proxy gave it.
///
/// Ours are kept inline: every request gets one, and a `String` for it was
/// an allocation (and a free) per request on a path that costs a
/// microsecond and a half in all. A proxy's, rare and up to [`MAX_LEN`]
/// long, is kept on the heap.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RequestId(Repr);

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// `len` ASCII bytes of `bytes`: 8 hex digits, a dash, up to 20 digits.
    Ours {
        len: u8,
        bytes: [u8; OURS_MAX],
    },
    Given(Box<str>),
}

/// The longest id we make: `ffffffff-18446744073709551615`.
const OURS_MAX: usize = 8 + 1 + 20;

impl RequestId {
    /// A proxy's id, already checked by [`valid`].
    pub(crate) fn given(id: &str) -> RequestId {
        RequestId(Repr::Given(id.into()))
    }

    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Ours { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)])
                .expect("hex digits, a dash and decimal digits are ASCII"),
            Repr::Given(id) => id,
        }
    }
}

impl std::fmt::Debug for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// How many numbers a thread takes from the shared counter at a time.
const BLOCK: u64 = 1024;

thread_local! {
    /// This thread's next number, and the end of its block.
    static NUMBERS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// A number no other call in this process gets.
fn next_number() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NUMBERS.with(|numbers| {
        let (mut next, mut end) = numbers.get();
        if next == end {
            next = NEXT.fetch_add(BLOCK, Ordering::Relaxed);
            end = next + BLOCK;
        }
        numbers.set((next + 1, end));
        next
    })
}

/// A fresh id: this process's prefix, a dash, the next number.
pub(crate) fn generate() -> RequestId {
    static PREFIX: OnceLock<String> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 4];
        // Without randomness the ids are still unique within the process;
        // only telling two processes' ids apart gets harder.
        let _ = getrandom::getrandom(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    ours(prefix, next_number())
}

/// `prefix-n` (`prefix`: 8 hex digits), written by hand, not with
/// `format!`: every request gets one, and the formatting machinery was 3%
/// of a pipelined plaintext request.
fn ours(prefix: &str, n: u64) -> RequestId {
    let mut room = [0; 20];
    let number = decimal(n, &mut room);
    let len = prefix.len() + 1 + number.len();
    let mut bytes = [0u8; OURS_MAX];
    bytes[..prefix.len()].copy_from_slice(prefix.as_bytes());
    bytes[prefix.len()] = b'-';
    bytes[prefix.len() + 1..len].copy_from_slice(number);
    RequestId(Repr::Ours {
        len: len as u8,
        bytes,
    })
}

/// `text` if it may serve as an id: 1 to [`MAX_LEN`] characters from
/// `A-Z a-z 0-9 - _ . :`.
pub(crate) fn valid(text: &str) -> Option<&str> {
    let ok = !text.is_empty()
        && text.len() <= MAX_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_valid() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        let (a, b) = (a.as_str(), b.as_str());
        assert_eq!(valid(a), Some(a));
        assert_eq!(
            a.split('-').next(),
            b.split('-').next(),
            "one prefix per process"
        );
        // `prefix-n`: 8 hex digits, then the counter in decimal, counting up.
        let (prefix, n) = a.split_once('-').unwrap();
        assert_eq!(prefix.len(), 8);
        assert!(prefix.bytes().all(|c| c.is_ascii_hexdigit()));
        let (_, m) = b.split_once('-').unwrap();
        assert!(m.parse::<u64>().unwrap() > n.parse::<u64>().unwrap());
    }

    #[test]
    fn threads_taking_numbers_in_blocks_never_share_one() {
        // Each thread draws more than a block, so every thread crosses into
        // a second block while the others draw theirs.
        let per_thread = BLOCK as usize * 2 + 7;
        let drawn: Vec<Vec<u64>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| (0..per_thread).map(|_| next_number()).collect()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for numbers in &drawn {
            assert!(
                numbers.windows(2).all(|w| w[0] < w[1]),
                "growing within a thread"
            );
        }
        let mut all: Vec<u64> = drawn.concat();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 4 * per_thread, "no number given twice");
    }

    #[test]
    fn the_longest_number_fits_and_a_given_id_is_kept_as_it_is() {
        assert_eq!(
            ours("0123abcd", u64::MAX).as_str(),
            "0123abcd-18446744073709551615"
        );
        assert_eq!(ours("0123abcd", 0).as_str(), "0123abcd-0");
        assert_eq!(ours("0123abcd", 1042).as_str(), "0123abcd-1042");
        assert_eq!(RequestId::given("req-1").as_str(), "req-1");
        assert_eq!(format!("{:?}", RequestId::given("a.b")), "\"a.b\"");
    }

    #[test]
    fn only_short_ids_of_safe_characters_are_taken() {
        for good in ["0f3c9d2a6b4e4f1c8a7d5e3b2c1a0f9e", "req-1", "a.b:c_d"] {
            assert_eq!(valid(good), Some(good));
        }
        let long = "a".repeat(MAX_LEN + 1);
        for bad in [
            "",
            "a b",
            "a\r\nSet-Cookie: x=1",
            "\"q\"",
            "é",
            long.as_str(),
        ] {
            assert_eq!(valid(bad), None, "{bad:?}");
        }
    }
}
