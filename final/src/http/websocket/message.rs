//! Messages from frames: fragments joined, text checked as it arrives.
//!
//! A sender that does not know a message's length up front (a stream it
//! relays, a document it renders) may cut it into *fragments*: a text or
//! binary frame with FIN clear, then continuation frames, the last with FIN
//! set. Control frames (ping, pong, close) may come between fragments, so
//! that a long upload does not hold a ping back; another text or binary
//! frame may not, because messages never interleave.
//!
//! Text must be UTF-8, and RFC 6455 lets an endpoint fail the connection as
//! soon as the bytes *so far* cannot become UTF-8, without waiting for the
//! end (Autobahn's 6.4.x cases check that we do). So each piece of a text
//! message is checked as it lands, from where the last check stopped; a
//! character cut between two pieces is only "not complete yet". The
//! maximum message size is checked from each frame's header, before its
//! payload arrives, so a peer announcing a 1 GiB frame is refused (1009)
//! before it has sent a byte of it.

use super::error::ProtocolError;
use super::frame::{FrameHeader, Opcode, apply_mask};

/// A whole message, as the application receives or sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message: checked UTF-8.
    Text(String),
    /// A binary message: any bytes.
    Binary(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Binary,
}

/// The data message being received: which kind, its bytes so far, and how
/// far its text has been checked.
#[derive(Debug)]
pub(crate) struct Assembler {
    /// The message in progress, or `None` between messages.
    kind: Option<Kind>,
    buf: Vec<u8>,
    /// For text: `buf[..checked]` is valid UTF-8 and ends on a character
    /// boundary; what follows may be the start of a character cut in two.
    checked: usize,
    max: usize,
}

impl Assembler {
    /// An assembler that refuses messages over `max` bytes.
    pub(crate) fn new(max: usize) -> Assembler {
        Assembler {
            kind: None,
            buf: Vec::new(),
            checked: 0,
            max,
        }
    }

    /// A data frame's header has arrived (its payload has not, yet): checks
    /// that it may come now and that the message still fits.
    ///
    /// # Errors
    ///
    /// A continuation with no message in progress, a new message while one
    /// is (both 1002), or a message that would pass the maximum (1009).
    pub(crate) fn start_frame(&mut self, header: &FrameHeader) -> Result<(), ProtocolError> {
        let kind = match (header.opcode, self.kind) {
            (Opcode::Continuation, Some(kind)) => kind,
            (Opcode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (Opcode::Text | Opcode::Binary, Some(_)) => {
                return Err(ProtocolError::UnfinishedMessage);
            }
            (Opcode::Text, None) => Kind::Text,
            (Opcode::Binary, None) => Kind::Binary,
            (control, _) => unreachable!("{control:?} frames never reach the assembler"),
        };
        let room = (self.max - self.buf.len()) as u64;
        if header.payload_len > room {
            return Err(ProtocolError::TooLarge { max: self.max });
        }
        self.kind = Some(kind);
        // The length is within the maximum, so reserving it up front is safe
        // and saves the copies of a growing Vec.
        self.buf.reserve(header.payload_len as usize);
        Ok(())
    }

    /// Payload bytes of the current frame, still masked with `mask`, that
    /// start `offset` bytes into the frame's payload.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::InvalidUtf8`] as soon as a text message's bytes can
    /// no longer be UTF-8, whatever follows.
    pub(crate) fn extend(
        &mut self,
        bytes: &[u8],
        mask: Option<[u8; 4]>,
        offset: usize,
    ) -> Result<(), ProtocolError> {
        let start = self.buf.len();
        self.buf.extend_from_slice(bytes);
        if let Some(key) = mask {
            apply_mask(&mut self.buf[start..], key, offset);
        }
        if self.kind == Some(Kind::Text) {
            self.check_utf8()?;
        }
        Ok(())
    }

    /// The current frame's payload is all here: with FIN set the message is
    /// complete and returned, otherwise more fragments follow.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::InvalidUtf8`] for text that ends inside a character.
    pub(crate) fn end_frame(&mut self, fin: bool) -> Result<Option<Message>, ProtocolError> {
        if !fin {
            return Ok(None);
        }
        let kind = self.kind.take();
        let bytes = std::mem::take(&mut self.buf);
        self.checked = 0;
        match kind {
            Some(Kind::Text) => String::from_utf8(bytes)
                .map(|text| Some(Message::Text(text)))
                .map_err(|_| ProtocolError::InvalidUtf8),
            Some(Kind::Binary) => Ok(Some(Message::Binary(bytes))),
            None => unreachable!("end_frame follows start_frame"),
        }
    }

    /// Checks the text from where the last check stopped. `from_utf8`'s
    /// error says which case we are in: `error_len() == None` means the
    /// bytes end in the middle of a character that more bytes may complete.
    fn check_utf8(&mut self) -> Result<(), ProtocolError> {
        match std::str::from_utf8(&self.buf[self.checked..]) {
            Ok(_) => self.checked = self.buf.len(),
            Err(err) if err.error_len().is_some() => return Err(ProtocolError::InvalidUtf8),
            Err(err) => self.checked += err.valid_up_to(),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(fin: bool, opcode: Opcode, len: usize) -> FrameHeader {
        FrameHeader {
            fin,
            opcode,
            mask: None,
            payload_len: len as u64,
            header_len: 2,
        }
    }

    /// Feeds frames of (fin, opcode, payload) and returns what came out.
    fn assemble(
        max: usize,
        frames: &[(bool, Opcode, &[u8])],
    ) -> Result<Vec<Message>, ProtocolError> {
        let mut assembler = Assembler::new(max);
        let mut out = Vec::new();
        for (fin, opcode, payload) in frames {
            assembler.start_frame(&header(*fin, *opcode, payload.len()))?;
            assembler.extend(payload, None, 0)?;
            out.extend(assembler.end_frame(*fin)?);
        }
        Ok(out)
    }

    #[test]
    fn fragments_join_into_one_message() {
        let got = assemble(
            100,
            &[
                (false, Opcode::Text, b"frag"),
                (false, Opcode::Continuation, b"men"),
                (true, Opcode::Continuation, b"ted"),
                (true, Opcode::Binary, &[0, 1]),
            ],
        );
        assert_eq!(
            got,
            Ok(vec![
                Message::Text("fragmented".into()),
                Message::Binary(vec![0, 1])
            ])
        );
    }

    #[test]
    fn a_continuation_with_nothing_in_progress_is_a_protocol_error() {
        let got = assemble(100, &[(true, Opcode::Continuation, b"x")]);
        assert_eq!(got, Err(ProtocolError::UnexpectedContinuation));
    }

    #[test]
    fn a_new_message_inside_a_fragmented_one_is_a_protocol_error() {
        let got = assemble(
            100,
            &[(false, Opcode::Text, b"a"), (true, Opcode::Text, b"b")],
        );
        assert_eq!(got, Err(ProtocolError::UnfinishedMessage));
    }

    #[test]
    fn a_character_cut_between_fragments_is_fine() {
        let euro = "€".as_bytes();
        let got = assemble(
            100,
            &[
                (false, Opcode::Text, &euro[..1]),
                (false, Opcode::Continuation, &euro[1..2]),
                (true, Opcode::Continuation, &euro[2..]),
            ],
        );
        assert_eq!(got, Ok(vec![Message::Text("€".into())]));
    }

    #[test]
    fn invalid_text_fails_at_the_first_fragment_that_makes_it_invalid() {
        let mut assembler = Assembler::new(100);
        assembler
            .start_frame(&header(false, Opcode::Text, 3))
            .unwrap();
        // κ, then the first byte of a 4-byte sequence: still possibly valid.
        assert_eq!(assembler.extend(&[0xce, 0xba, 0xf4], None, 0), Ok(()));
        assembler.end_frame(false).unwrap();
        assembler
            .start_frame(&header(false, Opcode::Continuation, 1))
            .unwrap();
        // 0xf4 0x90 would be past U+10FFFF: invalid now, whatever follows.
        assert_eq!(
            assembler.extend(&[0x90], None, 0),
            Err(ProtocolError::InvalidUtf8)
        );
    }

    #[test]
    fn text_ending_inside_a_character_is_invalid() {
        let got = assemble(100, &[(true, Opcode::Text, &[b'a', 0xe2, 0x82])]);
        assert_eq!(got, Err(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn binary_is_never_checked_as_text() {
        let got = assemble(100, &[(true, Opcode::Binary, &[0xff, 0xfe])]);
        assert_eq!(got, Ok(vec![Message::Binary(vec![0xff, 0xfe])]));
    }

    #[test]
    fn the_maximum_counts_every_fragment_and_is_checked_from_the_header() {
        let mut assembler = Assembler::new(10);
        assembler
            .start_frame(&header(false, Opcode::Binary, 6))
            .unwrap();
        assembler.extend(&[0; 6], None, 0).unwrap();
        assembler.end_frame(false).unwrap();
        // 6 + 5 > 10: refused before any of the 5 bytes arrived.
        assert_eq!(
            assembler.start_frame(&header(true, Opcode::Continuation, 5)),
            Err(ProtocolError::TooLarge { max: 10 })
        );
        assert_eq!(
            assemble(10, &[(true, Opcode::Text, b"0123456789")]),
            Ok(vec![Message::Text("0123456789".into())])
        );
    }

    #[test]
    fn masked_pieces_are_unmasked_at_their_offset() {
        let key = [1, 2, 3, 4];
        let mut wire = b"hello world".to_vec();
        apply_mask(&mut wire, key, 0);
        let mut assembler = Assembler::new(100);
        assembler
            .start_frame(&header(true, Opcode::Text, wire.len()))
            .unwrap();
        assembler.extend(&wire[..3], Some(key), 0).unwrap();
        assembler.extend(&wire[3..], Some(key), 3).unwrap();
        assert_eq!(
            assembler.end_frame(true),
            Ok(Some(Message::Text("hello world".into())))
        );
    }
}
