//! `multipart/form-data` bodies (RFC 7578), through the parser alone and
//! through the request decoder that streams an upload to its spooler.
//!
//! Beyond "no panic" it asserts:
//! - the same bytes give the same parts and the same error whether they
//!   arrive in one piece, as a slow drip (`drip_cuts`), or in hashed pieces;
//! - the decoder, streaming the body as a server does (files past 256
//!   bytes spooled to temporary files), in one read, in pieces or as a
//!   drip, gives a form holding exactly the parts the bare parser finds,
//!   field for field and byte for byte, or the same error;
//! - no temporary file outlives its form, whatever the body: the spool
//!   folder is empty after every input;
//! - round trip: any fields and files (the fuzzer's bytes split at `0xff`),
//!   written as a browser writes a form, are read back exactly.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use httprs::dev::{
    BodyPlan, BodyPlanner, InputBuffer, Limits, MultipartLimits, MultipartParser,
    ParseError, PartHead, PartSink, RequestDecoder,
};
use httprs::{Multipart, MultipartError, UploadConfig};
use httprs_fuzz::{drip_cuts, hashed_cuts};
use libfuzzer_sys::fuzz_target;

const BOUNDARY: &str = "XyZ";

fuzz_target!(|data: &[u8]| {
    parser_in_pieces(data);
    decoder_streams_as_memory_parses(data);
    round_trip(data);
});

/// Small limits, so the fuzzer reaches each with short inputs.
const LIMITS: MultipartLimits = MultipartLimits {
    max_parts: 8,
    max_part_head: 256,
    max_field: 512,
};

/// Collects parts as (head, bytes).
#[derive(Debug, Default, PartialEq, Eq)]
struct Parts(Vec<(PartHead, Vec<u8>)>, usize);

impl PartSink for Parts {
    fn begin(&mut self, head: PartHead) -> Result<(), MultipartError> {
        self.0.push((head, Vec::new()));
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> Result<(), MultipartError> {
        assert!(!bytes.is_empty());
        self.0.last_mut().expect("data after begin").1.extend_from_slice(bytes);
        Ok(())
    }
    fn end(&mut self) -> Result<(), MultipartError> {
        self.1 += 1;
        Ok(())
    }
}

fn parse_in_pieces(data: &[u8], cuts: &[u16]) -> Result<Parts, MultipartError> {
    let mut points: Vec<usize> = cuts.iter().map(|&c| usize::from(c) % (data.len() + 1)).collect();
    points.push(data.len());
    points.sort_unstable();
    let mut parser = MultipartParser::new(BOUNDARY, LIMITS);
    let mut parts = Parts::default();
    let mut start = 0;
    for end in points {
        parser.feed(&data[start..end], &mut parts)?;
        start = end;
    }
    parser.finish()?;
    Ok(parts)
}

fn parser_in_pieces(data: &[u8]) {
    let whole = parse_in_pieces(data, &[]);
    assert_eq!(parse_in_pieces(data, &drip_cuts(data)), whole, "a drip differs");
    assert_eq!(parse_in_pieces(data, &hashed_cuts(data)), whole, "pieces differ");
    if let Ok(parts) = &whole {
        assert_eq!(parts.0.len(), parts.1, "every part begun was ended");
    }
}

/// The spool folder, one per fuzzing process.
fn spool() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("httprs-fuzz-multipart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("make the spool folder");
        dir
    })
}

fn config() -> UploadConfig {
    UploadConfig {
        dir: Some(spool().clone()),
        memory_limit: 256,
        limits: LIMITS,
    }
}

/// Streams every body as an upload, as the server does for a route of its app.
struct StreamAll(Arc<UploadConfig>);

impl BodyPlanner for StreamAll {
    fn plan(&self, _: &str, _: &str) -> BodyPlan {
        BodyPlan {
            max_body: 1 << 20,
            uploads: Some(self.0.clone()),
        }
    }
}

/// The form the decoder makes of `data` streamed in pieces, or its error.
fn streamed(data: &[u8], cuts: &[u16]) -> Result<Arc<Multipart>, ParseError> {
    let mut wire = format!(
        "POST /up HTTP/1.1\r\nHost: fuzz\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n",
        data.len()
    )
    .into_bytes();
    let head_len = wire.len();
    wire.extend_from_slice(data);
    let mut points: Vec<usize> =
        cuts.iter().map(|&c| head_len + usize::from(c) % (data.len() + 1)).collect();
    points.push(wire.len());
    points.sort_unstable();
    let limits = Limits { max_head: 1024, max_body: 1 << 20 };
    let mut decoder = RequestDecoder::new(limits).with_planner(Arc::new(StreamAll(Arc::new(config()))));
    let mut buf = InputBuffer::new();
    let mut start = 0;
    for end in points {
        buf.extend(&wire[start..end]);
        start = end;
        if let Some(raw) = decoder.decode(&mut buf)? {
            assert!(raw.body.is_empty(), "a streamed upload keeps no body");
            let Some(form) = raw.uploads else {
                // `Content-Length: 0` is no body: nothing to stream, and
                // `Request::multipart` finds no closing boundary in it.
                assert!(data.is_empty(), "a body that was not streamed");
                return Err(ParseError::Multipart(MultipartError::Truncated));
            };
            return Ok(form);
        }
    }
    panic!("the whole body was fed and no request came");
}

fn same_files(a: &Multipart, b: &Multipart) {
    assert_eq!(a, b, "the forms differ");
    for (x, y) in a.files().iter().zip(b.files()) {
        assert_eq!(x.bytes().expect("read"), y.bytes().expect("read"), "file bytes differ");
    }
}

/// The form's fields and files are the parts the bare parser finds: text
/// parts as fields, file parts (but an empty file input) as files, each
/// file in memory up to the threshold and on disk past it.
fn matches_parts(form: &Multipart, parts: &Parts) {
    let fields: Vec<(String, String)> = parts
        .0
        .iter()
        .filter(|(head, _)| head.filename.is_none())
        .map(|(head, bytes)| (head.name.clone(), String::from_utf8(bytes.clone()).expect("UTF-8")))
        .collect();
    assert_eq!(form.fields(), fields.as_slice());
    let files: Vec<&(PartHead, Vec<u8>)> = parts
        .0
        .iter()
        .filter(|(head, bytes)| head.filename.as_ref().is_some_and(|f| !f.is_empty() || !bytes.is_empty()))
        .collect();
    assert_eq!(form.files().len(), files.len());
    for (file, (head, bytes)) in form.files().iter().zip(files) {
        assert_eq!(file.name(), head.name);
        assert_eq!(Some(file.filename()), head.filename.as_deref());
        assert_eq!(file.content_type(), head.content_type.as_deref());
        assert_eq!(file.bytes().expect("read").as_ref(), bytes.as_slice());
        assert_eq!(file.temp_path().is_some(), bytes.len() > 256, "spooled past the threshold only");
    }
}

fn decoder_streams_as_memory_parses(data: &[u8]) {
    {
        let bare = parse_in_pieces(data, &[]);
        let whole = streamed(data, &[]);
        let pieces = streamed(data, &hashed_cuts(data));
        let drip = streamed(data, &drip_cuts(data));
        match (&bare, &whole, &pieces, &drip) {
            (Ok(parts), Ok(w), Ok(p), Ok(d)) => {
                matches_parts(w, parts);
                same_files(w, p);
                same_files(w, d);
            }
            // The spooler refuses a text field that is not UTF-8 when the
            // field ends; the bare parser does not look, and goes on to
            // accept the body or to refuse it later for another reason.
            (_, Err(ParseError::Multipart(w)), Err(ParseError::Multipart(p)), Err(ParseError::Multipart(d)))
                if *w == MultipartError::FieldNotUtf8 =>
            {
                assert_eq!((w, p), (d, d));
            }
            (Err(b), Err(ParseError::Multipart(w)), Err(ParseError::Multipart(p)), Err(ParseError::Multipart(d))) => {
                assert_eq!(b, w);
                assert_eq!(w, p);
                assert_eq!(w, d);
            }
            other => panic!("the streamed and bare parses disagree: {other:?}"),
        }
    }
    let left = std::fs::read_dir(spool()).expect("read the spool folder").count();
    assert_eq!(left, 0, "temporary files outlived their forms");
}

fn round_trip(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let values: Vec<&[u8]> = rest.split(|&b| b == 0xff).take(LIMITS.max_parts).collect();
    let delimiter = format!("\r\n--{BOUNDARY}");
    // A sender picks a boundary its values do not contain.
    if values.iter().any(|v| {
        let mut probe = v.to_vec();
        probe.extend_from_slice(delimiter.as_bytes());
        probe.windows(delimiter.len()).position(|w| w == delimiter.as_bytes()) != Some(v.len())
    }) {
        return;
    }
    let mut body = Vec::new();
    for (i, value) in values.iter().enumerate() {
        // Bit i of `flags`: a file part (any bytes) rather than a text field.
        let file = flags >> (i % 8) & 1 == 1;
        let disposition = if file {
            format!("form-data; name=\"f{i}\"; filename=\"v{i}.bin\"\r\nContent-Type: application/octet-stream")
        } else {
            format!("form-data; name=\"f{i}\"")
        };
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes());
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let parts = parse_in_pieces(&body, &hashed_cuts(data));
    let parts = match parts {
        Ok(parts) => parts,
        Err(MultipartError::FieldTooLarge) => return, // a text value over max_field
        Err(err) => panic!("a form written as a browser writes it was refused: {err}"),
    };
    let got: Vec<&[u8]> = parts.0.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    assert_eq!(got, values, "the values came back changed");
}
