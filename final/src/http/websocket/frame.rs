//! One WebSocket frame on the wire: its header, its mask, its length.
//!
//! ```text
//!  0               1               2               3
//!  F R R R opcode  M  length(7)    extended length (0, 2 or 8 bytes) ...
//!  I S S S (4)     A               masking key (0 or 4 bytes) ...
//!  N V V V         S               payload ...
//!    1 2 3         K
//! ```
//!
//! **Why three sizes of length.** Most messages are small (a chat line, a
//! cursor position), so a length up to 125 fits in the 7 bits of byte 1 and
//! the header is 2 bytes. 126 says "the next 2 bytes hold the length" (up
//! to 64 KiB), 127 says "the next 8 do". Small frames pay 2 bytes, large
//! ones 10, and RFC 6455 requires the shortest form, so that each length
//! has exactly one encoding. We refuse a longer form than needed (1002):
//! no browser or library sends one, and one encoding per length leaves a
//! fuzzer or a smuggler nothing to play with. A 64-bit length must also
//! have its top bit clear.
//!
//! **Why clients mask.** Every frame a client sends is XORed with 4 random
//! bytes it chooses per frame. This is not secrecy (the key travels in the
//! frame); it protects *proxies*. Before WebSockets, researchers showed
//! (Huang et al., 2011) that a script could send bytes that a transparent
//! proxy, not understanding the upgrade, read as an HTTP request of the
//! script's choosing, and cached the answer under someone else's URL:
//! cache poisoning. With an unpredictable mask the script cannot choose
//! the bytes on the wire. So a server must fail an unmasked client frame
//! (1002), and never masks its own.
//!
//! Masking runs over the whole payload, so it is done eight bytes at a
//! time: the 4-byte key, repeated to 8 and rotated to where the payload
//! starts, XORed as a `u64` (see [`apply_mask`]).
//!
//! "Not enough bytes yet" is a value here too: [`parse_header`] returns
//! `Ok(None)` until the whole header has arrived.

use super::error::ProtocolError;

/// What a frame carries (RFC 6455 §5.2). Opcodes 3-7 and 11-15 are reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// 0x0: the next fragment of a text or binary message.
    Continuation,
    /// 0x1: a text message (or its first fragment), UTF-8.
    Text,
    /// 0x2: a binary message (or its first fragment).
    Binary,
    /// 0x8: the close handshake.
    Close,
    /// 0x9: "are you there?"; answered by a pong with the same payload.
    Ping,
    /// 0xA: the answer to a ping, or an unasked heartbeat.
    Pong,
}

impl Opcode {
    /// The opcode for the low 4 bits of a frame's first byte.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::ReservedOpcode`] for 3-7 and 11-15.
    pub fn from_bits(bits: u8) -> Result<Opcode, ProtocolError> {
        Ok(match bits {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            other => return Err(ProtocolError::ReservedOpcode(other)),
        })
    }

    /// The 4 bits on the wire.
    pub fn bits(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    /// Close, ping and pong: never fragmented, at most 125 bytes, and
    /// allowed in the middle of a fragmented message.
    pub fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }
}

/// Which end of the connection this is: it decides which frames must be
/// masked. A server reads masked frames and writes plain ones; a client the
/// other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The end that accepted the upgrade: expects masked frames.
    Server,
    /// The end that asked for it: expects unmasked frames, masks its own.
    Client,
}

/// A frame's header, read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The last (or only) fragment of its message.
    pub fin: bool,
    /// What the frame carries.
    pub opcode: Opcode,
    /// The masking key, when the frame is masked.
    pub mask: Option<[u8; 4]>,
    /// How many payload bytes follow the header.
    pub payload_len: u64,
    /// How many bytes the header took: 2 to 14.
    pub header_len: usize,
}

/// The longest header: 2 bytes, an 8-byte length and a 4-byte mask.
pub const MAX_HEADER_LEN: usize = 14;

/// The longest payload of a control frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// Reads and checks the header at the start of `input`, as the endpoint
/// `role` receives it.
///
/// Returns `Ok(None)` while the header is incomplete: that is not a
/// failure, the caller reads more.
///
/// # Errors
///
/// Each fault is a [`ProtocolError`] with close code 1002: RSV bits set
/// (no extension is ever agreed here), a reserved opcode, the wrong
/// masking for `role`, a fragmented or over-long control frame, a length
/// not in its shortest form or over 2⁶³ - 1.
pub fn parse_header(input: &[u8], role: Role) -> Result<Option<FrameHeader>, ProtocolError> {
    let [first, second, rest @ ..] = input else {
        return Ok(None);
    };
    if first & 0x70 != 0 {
        return Err(ProtocolError::ReservedBits);
    }
    let fin = first & 0x80 != 0;
    let opcode = Opcode::from_bits(first & 0x0F)?;
    let masked = second & 0x80 != 0;
    if masked != (role == Role::Server) {
        return Err(ProtocolError::BadMask);
    }
    let (payload_len, rest, len_bytes) = match second & 0x7F {
        126 => {
            let Some((bytes, rest)) = rest.split_first_chunk::<2>() else {
                return Ok(None);
            };
            let len = u64::from(u16::from_be_bytes(*bytes));
            if len < 126 {
                return Err(ProtocolError::NonMinimalLength);
            }
            (len, rest, 2)
        }
        127 => {
            let Some((bytes, rest)) = rest.split_first_chunk::<8>() else {
                return Ok(None);
            };
            let len = u64::from_be_bytes(*bytes);
            if len >> 63 != 0 {
                return Err(ProtocolError::LengthTooLong);
            }
            if len <= u64::from(u16::MAX) {
                return Err(ProtocolError::NonMinimalLength);
            }
            (len, rest, 8)
        }
        short => (u64::from(short), rest, 0),
    };
    if opcode.is_control() {
        if !fin {
            return Err(ProtocolError::FragmentedControl);
        }
        if payload_len > MAX_CONTROL_PAYLOAD as u64 {
            return Err(ProtocolError::ControlTooLong);
        }
    }
    let mask = if masked {
        let Some((key, _)) = rest.split_first_chunk::<4>() else {
            return Ok(None);
        };
        Some(*key)
    } else {
        None
    };
    Ok(Some(FrameHeader {
        fin,
        opcode,
        mask,
        payload_len,
        header_len: 2 + len_bytes + if masked { 4 } else { 0 },
    }))
}

/// XORs `data` with the masking `key`, where `data` starts `offset` bytes
/// into the frame's payload (a payload that arrives in pieces is unmasked
/// piece by piece). Masking twice gives the bytes back.
///
/// The bytes are taken eight at a time as a `u64`: the key is repeated to
/// eight bytes and rotated so that its byte `offset % 4` comes first, and
/// one XOR does what eight byte XORs would. The tail (under eight bytes)
/// goes byte by byte.
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    let mut rotated = key;
    rotated.rotate_left(offset % 4);
    let [a, b, c, d] = rotated;
    let wide = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes((&*chunk).try_into().expect("chunks of 8")) ^ wide;
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    // Whole chunks are a multiple of 4 bytes, so the tail starts at key byte 0
    // of `rotated`.
    for (byte, k) in chunks
        .into_remainder()
        .iter_mut()
        .zip(rotated.iter().cycle())
    {
        *byte ^= k;
    }
}

/// Appends one frame to `out`: FIN set or not, `opcode`, the length in its
/// shortest form, and the payload, masked with `mask` when given (a client
/// masks every frame; a server never does).
pub fn encode_frame(
    out: &mut Vec<u8>,
    fin: bool,
    opcode: Opcode,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) {
    out.push(if fin { 0x80 } else { 0 } | opcode.bits());
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let len = payload.len();
    if len <= 125 {
        out.push(mask_bit | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(mask_bit | 126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(key) = mask {
        out.extend_from_slice(&key);
    }
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        apply_mask(&mut out[start..], key, 0);
    }
}

/// A whole frame, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Its header as it arrived.
    pub header: FrameHeader,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
}

/// Decodes the frame at the start of `input` whole: `Ok(None)` until all of
/// it has arrived, then the frame and how many bytes it took.
///
/// The connection ([`WebSocket`](super::WebSocket)) does not wait for whole
/// frames (it moves payload into the message as it arrives); this is the
/// simple form, for tests, the fuzzer and other readers.
///
/// # Errors
///
/// What [`parse_header`] refuses, and [`ProtocolError::TooLarge`] as soon as
/// the header says the payload is longer than `max_payload`.
pub fn decode_frame(
    input: &[u8],
    role: Role,
    max_payload: usize,
) -> Result<Option<(Frame, usize)>, ProtocolError> {
    let Some(header) = parse_header(input, role)? else {
        return Ok(None);
    };
    let len = usize::try_from(header.payload_len)
        .ok()
        .filter(|&len| len <= max_payload)
        .ok_or(ProtocolError::TooLarge { max: max_payload })?;
    let Some(payload) = input[header.header_len..].get(..len) else {
        return Ok(None);
    };
    let mut payload = payload.to_vec();
    if let Some(key) = header.mask {
        apply_mask(&mut payload, key, 0);
    }
    Ok(Some((Frame { header, payload }, header.header_len + len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    fn naive_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, byte) in data.iter_mut().enumerate() {
            *byte ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn the_rfcs_masked_hello_decodes() {
        // RFC 6455 §5.7: "A single-frame masked text message".
        let wire = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (frame, used) = decode_frame(&wire, Role::Server, 1 << 20).unwrap().unwrap();
        assert_eq!(used, wire.len());
        assert_eq!(frame.payload, b"Hello");
        assert!(frame.header.fin);
        assert_eq!(frame.header.opcode, Opcode::Text);
        assert_eq!(frame.header.mask, Some(KEY));
    }

    #[test]
    fn the_rfcs_unmasked_hello_is_what_a_server_encodes() {
        let mut out = Vec::new();
        encode_frame(&mut out, true, Opcode::Text, b"Hello", None);
        assert_eq!(out, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    }

    #[test]
    fn masking_by_words_matches_masking_byte_by_byte_at_every_offset_and_length() {
        let data: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        for offset in 0..8 {
            for len in [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 64, 300] {
                let mut fast = data[..len].to_vec();
                let mut slow = fast.clone();
                apply_mask(&mut fast, KEY, offset);
                naive_mask(&mut slow, KEY, offset);
                assert_eq!(fast, slow, "offset {offset}, len {len}");
            }
        }
    }

    #[test]
    fn each_length_takes_its_shortest_form() {
        for (len, header_len) in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let mut out = Vec::new();
            encode_frame(&mut out, true, Opcode::Binary, &vec![7; len], Some(KEY));
            let header = parse_header(&out, Role::Server).unwrap().unwrap();
            assert_eq!(header.header_len, header_len + 4, "len {len}");
            assert_eq!(header.payload_len, len as u64);
            let (frame, used) = decode_frame(&out, Role::Server, 1 << 20).unwrap().unwrap();
            assert_eq!((frame.payload.len(), used), (len, out.len()));
            assert!(frame.payload.iter().all(|&b| b == 7));
        }
    }

    #[test]
    fn a_header_in_pieces_is_not_enough_bytes_yet_until_its_last_byte() {
        let mut out = Vec::new();
        encode_frame(&mut out, true, Opcode::Binary, &[1; 70_000], Some(KEY));
        for cut in 0..14 {
            assert_eq!(parse_header(&out[..cut], Role::Server), Ok(None), "{cut}");
        }
        assert!(parse_header(&out[..14], Role::Server).unwrap().is_some());
        assert_eq!(
            decode_frame(&out[..out.len() - 1], Role::Server, 1 << 20),
            Ok(None)
        );
    }

    #[test]
    fn a_server_refuses_an_unmasked_frame_and_a_client_a_masked_one() {
        assert_eq!(
            parse_header(&[0x81, 0x00], Role::Server),
            Err(ProtocolError::BadMask)
        );
        assert_eq!(
            parse_header(&[0x81, 0x80, 0, 0, 0, 0], Role::Client),
            Err(ProtocolError::BadMask)
        );
        assert!(parse_header(&[0x81, 0x00], Role::Client).unwrap().is_some());
    }

    #[test]
    fn faults_in_the_header_are_refused_with_their_reason() {
        let cases: &[(&[u8], ProtocolError)] = &[
            (&[0xC1, 0x80], ProtocolError::ReservedBits),
            (&[0x91, 0x80], ProtocolError::ReservedBits),
            (&[0xA1, 0x80], ProtocolError::ReservedBits),
            (&[0x83, 0x80], ProtocolError::ReservedOpcode(3)),
            (&[0x8B, 0x80], ProtocolError::ReservedOpcode(0xB)),
            (&[0x09, 0x80], ProtocolError::FragmentedControl),
            (&[0x89, 0xFE, 0x00, 0x7E], ProtocolError::ControlTooLong),
            (&[0x82, 0xFE, 0x00, 0x7D], ProtocolError::NonMinimalLength),
            (
                &[0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF],
                ProtocolError::NonMinimalLength,
            ),
            (
                &[0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0],
                ProtocolError::LengthTooLong,
            ),
        ];
        for (wire, expected) in cases {
            assert_eq!(
                parse_header(wire, Role::Server),
                Err(*expected),
                "{wire:02x?}"
            );
            assert_eq!(expected.close_code().get(), 1002);
        }
    }

    #[test]
    fn a_payload_over_the_maximum_is_refused_from_its_header_alone() {
        let header = [0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4];
        assert_eq!(
            decode_frame(&header, Role::Server, 1 << 20),
            Err(ProtocolError::TooLarge { max: 1 << 20 })
        );
    }

    #[test]
    fn opcodes_round_trip_and_only_close_ping_pong_are_control() {
        for bits in 0..16u8 {
            match Opcode::from_bits(bits) {
                Ok(op) => {
                    assert_eq!(op.bits(), bits);
                    assert_eq!(op.is_control(), bits >= 8);
                }
                Err(err) => assert_eq!(err, ProtocolError::ReservedOpcode(bits)),
            }
        }
    }
}
