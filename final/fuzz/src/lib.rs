//! What the fuzz targets share: feeding the request decoder in pieces, the
//! split handshake's fixed key and nonces, and a frame builder.
//!
//! Each target in `fuzz_targets/` reaches httprs only through its public
//! paths (the root re-exports and `httprs::dev`), as a front or a test
//! outside the crate would. The seed writer (`final/tests/fuzz_seeds.rs`,
//! which includes this file) uses the same constants, so that a seed handshake is one the targets'
//! backend and front accept, and the fuzzer starts from inside the MAC
//! check rather than at its door.

use httprs::SecretKey;
use httprs::dev::{InputBuffer, Limits, ParseError, RawRequest, RequestDecoder};

/// Small limits, so that the fuzzer reaches 413, 414 and 431 with inputs of
/// a few kilobytes (the defaults would need 8 KiB heads and 1 MiB bodies).
pub const LIMITS: Limits = Limits {
    max_head: 2048,
    max_body: 4096,
};

/// Every request the decoder takes from `bytes`, fed in the pieces that
/// `cuts` marks (offsets taken modulo the length), and the error that
/// stopped it, if one did. With no cuts, all the bytes arrive in one read.
pub fn decode_in_pieces(bytes: &[u8], cuts: &[u16]) -> (Vec<RawRequest>, Option<ParseError>) {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (bytes.len() + 1))
        .collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut decoder = RequestDecoder::new(LIMITS);
    let mut buf = InputBuffer::new();
    let mut requests = Vec::new();
    let mut start = 0;
    for end in points {
        buf.extend(&bytes[start..end]);
        start = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(request)) => requests.push(request),
                Ok(None) => break,
                Err(err) => return (requests, Some(err)),
            }
        }
    }
    (requests, None)
}

/// The split key both ends of the targets' handshakes hold.
pub fn split_key() -> SecretKey {
    SecretKey::new(*b"fuzzing-key-0123456789abcdef-xyz").expect("32 bytes is long enough")
}

/// The nonce of the backend whose challenge the targets answer.
pub const BACKEND_NONCE: [u8; 32] = [0x11; 32];

/// The nonce of the front whose hello the targets' backend checks.
pub const FRONT_NONCE: [u8; 32] = [0x22; 32];

/// A frame as the split protocol sends it: a 4-byte big-endian length, then
/// `payload`.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).expect("a test payload fits in a u32");
    let mut out = length.to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

/// Strict lowercase-or-uppercase hex of exactly `N` bytes, as the handshake
/// documents its nonces and MACs; `None` for anything else. The targets
/// hold httprs's own reading of a handshake frame to this one.
pub fn strict_unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * N || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0; N];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = std::str::from_utf8(&bytes[2 * i..2 * i + 2]).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// The string field `name` of the JSON object in a frame's payload
/// (`frame[4..]`), as serde_json reads it; `None` if there is none.
pub fn json_field(frame: &[u8], name: &str) -> Option<String> {
    let payload = frame.get(4..)?;
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    value.get(name)?.as_str().map(str::to_string)
}

/// Up to eight cut points from an FNV-1a hash of `data`: a different split
/// for every input, the same split for the same input (so a crash replays).
pub fn hashed_cuts(data: &[u8]) -> Vec<u16> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..(hash % 9))
        .map(|i| (hash.rotate_left(7 * i as u32) & 0xffff) as u16)
        .collect()
}

/// Cut points for a slow client: one byte per read for the first 256
/// bytes, then reads of 1 to 64 bytes (a stride taken from the hash). One
/// byte per read all the way would cost a rescan of the line per byte, and
/// the fuzzer ten inputs a second on a 4 KiB input.
pub fn drip_cuts(data: &[u8]) -> Vec<u16> {
    let len = data.len().min(usize::from(u16::MAX));
    let stride = hashed_cuts(data).len() * 7 + 1;
    (0..len.min(256))
        .chain((256..len).step_by(stride))
        .map(|i| i as u16)
        .collect()
}
