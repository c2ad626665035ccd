//! Numbers in decimal, written straight into an output buffer.
//!
//! Every response carries a `Content-Length` and a status code, every
//! request an id (`request_id.rs`), every access log line a duration.
//! `write!(out, "{n}")` would do, but the formatting machinery behind it
//! showed up in profiles of every response (3% of a pipelined plaintext
//! request for the id alone); this is the same digits, by hand.

/// Appends `n` in decimal: what `write!(out, "{n}")` does.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(decimal(n, &mut [0; 20]));
}

/// `n`'s decimal digits, written at the end of `room` (20 digits hold
/// any `u64`): for a buffer that is not a `Vec`.
pub(crate) fn decimal(mut n: u64, room: &mut [u8; 20]) -> &[u8] {
    let mut i = room.len();
    loop {
        i -= 1;
        room[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &room[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_like_display() {
        for n in [0, 7, 10, 99, 100, 12345, u64::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
