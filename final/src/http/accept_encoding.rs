//! `Accept-Encoding`: which content codings a client can decode, and which
//! one a response should use (RFC 9110 §12.5.3).
//!
//! The field is a list of codings, each with an optional weight:
//! `gzip;q=1.0, br;q=0.5, identity;q=0, *;q=0`. A weight is a number from
//! 0 to 1 with up to three decimals; `q=0` means "never this one". Three
//! names are special:
//!
//! - `identity` is "no coding at all". It is acceptable unless the client
//!   refuses it by name (`identity;q=0`) or through `*;q=0` without naming
//!   it.
//! - `*` stands for every coding the field does not name.
//! - `x-gzip` is an old name of `gzip` (RFC 9110 §8.4.1.3 asks recipients to
//!   treat them alike).
//!
//! Two choices of ours, each a place where the RFC leaves room:
//!
//! - **Ties go to brotli, then gzip, then identity.** `br, gzip` gives equal
//!   weights; a server must break the tie, and brotli makes text about a
//!   fifth smaller than gzip at the same speed, while every client that can
//!   decode `br` can decode `gzip` too. Identity comes last, so a client that
//!   names only `gzip;q=0.5` gets gzip: naming a coding at all says the client
//!   would rather have it.
//! - **Nothing acceptable means identity, never 406.** A client that refuses
//!   identity and every coding we have (`identity;q=0, br;q=0, gzip;q=0`)
//!   gets the response uncompressed. RFC 9110 §12.1 lets a server disregard
//!   the field rather than answer 406, and that is what nginx and Apache do:
//!   an error page helps no one, a client that wrote such a field is almost
//!   certainly broken rather than unable to read plain bytes, and deciding
//!   406 would mean parsing the field on every request, even for the tiny
//!   bodies the fast path never compresses.
//!
//! A malformed item (`gzip;q=2`, `br;q=abc`, `;q=1`) is skipped, as if it
//! were not there: nothing a client writes can make the parser panic or
//! pick a coding the client did not ask for.
//!
//! The module also says what a negotiated response must carry: a `Vary`
//! naming `Accept-Encoding`, and an ETag per coding ([`etag_for`]).

/// A content coding httprs can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    /// Brotli (RFC 7932), `br`.
    Brotli,
    /// gzip (RFC 1952), `gzip`.
    Gzip,
    /// No coding: the bytes as they are.
    Identity,
}

impl Coding {
    /// The coding's name in `Content-Encoding`; `None` for identity, which
    /// is never written there.
    pub(crate) fn token(self) -> Option<&'static str> {
        match self {
            Coding::Brotli => Some("br"),
            Coding::Gzip => Some("gzip"),
            Coding::Identity => None,
        }
    }
}

/// The ETag of `etag`'s representation encoded with `coding`: the coding's
/// name inside the quotes, `"abc"` to `"abc-br"` (a weak tag stays weak).
/// Each coding's bytes differ, so each needs a tag of its own: a cache
/// holding the gzip bytes under the identity tag would hand them to a
/// client that sent `If-None-Match` for the identity bytes. Identity keeps
/// the tag as it is.
pub(crate) fn etag_for(etag: &str, coding: Coding) -> String {
    match (coding.token(), etag.strip_suffix('"')) {
        (Some(name), Some(open)) => format!("{open}-{name}\""),
        // Identity, or not a quoted tag (then left alone rather than mangled).
        _ => etag.to_string(),
    }
}

/// A weight in thousandths: `q=0.5` is 500, `q=1` (or none) 1000.
type Weight = u16;

/// What one `Accept-Encoding` field says of the codings httprs knows.
/// `None` means "not named".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AcceptEncoding {
    br: Option<Weight>,
    gzip: Option<Weight>,
    identity: Option<Weight>,
    star: Option<Weight>,
}

impl AcceptEncoding {
    /// Reads a field value. Codings we do not know (`deflate`, `zstd`) are
    /// skipped, and so are malformed items; the first mention of a coding
    /// counts.
    pub(crate) fn parse(value: &str) -> AcceptEncoding {
        let mut accept = AcceptEncoding::default();
        for item in value.split(',') {
            let mut parts = item.split(';');
            // `split` always yields a first part, possibly empty.
            let name = parts.next().unwrap_or("").trim();
            let Some(weight) = weight_of(parts) else {
                continue;
            };
            let slot = if name.eq_ignore_ascii_case("br") {
                &mut accept.br
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                &mut accept.gzip
            } else if name.eq_ignore_ascii_case("identity") {
                &mut accept.identity
            } else if name == "*" {
                &mut accept.star
            } else {
                continue;
            };
            slot.get_or_insert(weight);
        }
        accept
    }

    /// Reads every `Accept-Encoding` field of a request as one list
    /// (RFC 9110 §5.3: repeated fields are one comma-separated list).
    pub(crate) fn of_fields<'a>(values: impl Iterator<Item = &'a str>) -> AcceptEncoding {
        let mut accept = AcceptEncoding::default();
        for value in values {
            let more = AcceptEncoding::parse(value);
            // The first mention counts, field after field too.
            accept.br = accept.br.or(more.br);
            accept.gzip = accept.gzip.or(more.gzip);
            accept.identity = accept.identity.or(more.identity);
            accept.star = accept.star.or(more.star);
        }
        accept
    }

    /// The weight the client gives `coding`: its own, else `*`'s; a coding
    /// not named at all is refused, except identity, which is acceptable
    /// unless refused, and then weighs least of all (see the module docs).
    fn weight(&self, coding: Coding) -> Weight {
        let named = match coding {
            Coding::Brotli => self.br,
            Coding::Gzip => self.gzip,
            Coding::Identity => self.identity,
        };
        match (named, self.star, coding) {
            (Some(q), _, _) => q,
            (None, Some(q), _) => q,
            (None, None, Coding::Identity) => 1,
            (None, None, _) => 0,
        }
    }

    /// The coding to send: the heaviest of `offered` and identity, ties to
    /// the earlier in `offered`, identity last; identity when none is
    /// acceptable (never a 406: see the module docs).
    pub(crate) fn preferred(&self, offered: &[Coding]) -> Coding {
        let mut best = (Coding::Identity, self.weight(Coding::Identity));
        // Walked from the least preferred, so that `>=` lets an earlier
        // coding take a tie from a later one (and any coding from identity).
        for &coding in offered.iter().rev() {
            let weight = self.weight(coding);
            if weight > 0 && weight >= best.1 {
                best = (coding, weight);
            }
        }
        best.0
    }
}

/// The weight in an item's parameters (`q=0.5`); 1000 without one; `None`
/// if the item is malformed (a bad `q`, a parameter without `=`).
/// Parameters other than `q` are ignored.
fn weight_of<'a>(params: impl Iterator<Item = &'a str>) -> Option<Weight> {
    let mut weight = 1000;
    for param in params {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            weight = qvalue(value.trim())?;
        }
    }
    Some(weight)
}

/// A `qvalue` (RFC 9110 §12.4.2): `0`, `0.` and up to three digits, `1`,
/// or `1.` and up to three zeros; in thousandths.
fn qvalue(text: &str) -> Option<Weight> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Right-padded to three digits: "5" is 500 thousandths.
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |n, digit| n * 10 + Weight::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    const BOTH: &[Coding] = &[Brotli, Gzip];

    #[test]
    fn weights_ties_and_refusals_choose_as_rfc_9110_says() {
        let cases: &[(&str, Coding)] = &[
            ("", Identity),
            ("gzip", Gzip),
            ("br", Brotli),
            ("gzip, br", Brotli),
            ("br, gzip", Brotli),
            ("gzip, deflate, br, zstd", Brotli),
            ("gzip;q=1, br;q=0.5", Gzip),
            ("br;q=0.999, gzip", Gzip),
            ("br;q=0, gzip", Gzip),
            ("br;q=0, gzip;q=0", Identity),
            ("identity", Identity),
            ("deflate", Identity),
            ("*", Brotli),
            ("*;q=0.1, gzip;q=0.2", Gzip),
            ("*;q=0, gzip", Gzip),
            ("*;q=0", Identity),
            ("identity;q=0", Identity),
            ("identity;q=0, br;q=0, gzip;q=0", Identity),
            ("GZIP", Gzip),
            ("Br ; Q=1", Brotli),
            ("x-gzip", Gzip),
            ("gzip;q=0.5", Gzip),
            ("gzip;q=0.5, identity", Identity),
            ("gzip;q=1.000", Gzip),
            ("  br  ;  q=0.8  ,gzip;q=0.7", Brotli),
            ("gzip;level=9", Gzip),
        ];
        for (value, expected) in cases {
            let got = AcceptEncoding::parse(value).preferred(BOTH);
            assert_eq!(got, *expected, "for {value:?}");
        }
    }

    #[test]
    fn malformed_items_are_skipped_not_trusted() {
        let cases: &[(&str, Coding)] = &[
            ("br;q=2, gzip", Gzip),
            ("br;q=1.5", Identity),
            ("br;q=0.1234", Identity),
            ("br;q=abc, gzip;q=0.1", Gzip),
            ("br;q=-1", Identity),
            ("br;q=, gzip", Gzip),
            ("br;q", Identity),
            ("br;;", Identity),
            (";q=1", Identity),
            (",,,", Identity),
            ("gzip;q=0.", Identity),
            ("gzip;q=1.", Gzip),
            ("br;q=١", Identity),
        ];
        for (value, expected) in cases {
            let got = AcceptEncoding::parse(value).preferred(BOTH);
            assert_eq!(got, *expected, "for {value:?}");
        }
    }

    #[test]
    fn the_first_mention_of_a_coding_counts() {
        assert_eq!(
            AcceptEncoding::parse("br;q=0, br").preferred(BOTH),
            Identity
        );
        assert_eq!(AcceptEncoding::parse("br, br;q=0").preferred(BOTH), Brotli);
    }

    #[test]
    fn only_the_offered_codings_are_chosen() {
        let accept = AcceptEncoding::parse("br, gzip;q=0.5");
        assert_eq!(accept.preferred(&[Gzip]), Gzip);
        assert_eq!(accept.preferred(&[]), Identity);
    }

    #[test]
    fn each_coding_gets_its_own_tag() {
        assert_eq!(etag_for("\"a-1\"", Brotli), "\"a-1-br\"");
        assert_eq!(etag_for("W/\"a-1\"", Gzip), "W/\"a-1-gzip\"");
        assert_eq!(etag_for("\"a-1\"", Identity), "\"a-1\"");
        assert_eq!(etag_for("unquoted", Gzip), "unquoted");
    }

    #[test]
    fn repeated_fields_read_as_one_list() {
        let accept = AcceptEncoding::of_fields(["br;q=0", "br, gzip"].into_iter());
        assert_eq!(accept.preferred(BOTH), Gzip);
    }

    #[test]
    fn qvalues_are_read_in_thousandths() {
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.05"), Some(50));
        assert_eq!(qvalue("0.001"), Some(1));
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.0"), Some(1000));
        assert_eq!(qvalue("1.001"), None);
        assert_eq!(qvalue("01"), None);
        assert_eq!(qvalue(".5"), None);
        assert_eq!(qvalue(""), None);
    }

    proptest::proptest! {
        #[test]
        fn any_field_value_parses_without_panicking(value in "\\PC{0,80}") {
            let chosen = AcceptEncoding::parse(&value).preferred(BOTH);
            // A coding is only chosen when the field names it or `*`.
            if chosen != Identity {
                proptest::prop_assert!(
                    value.contains('*') || value.to_ascii_lowercase().contains(chosen.token().unwrap_or("-"))
                );
            }
        }

        #[test]
        fn made_up_lists_never_choose_a_coding_weighted_zero(
            br in proptest::option::of(0u16..=1000),
            gzip in proptest::option::of(0u16..=1000),
        ) {
            let mut items = Vec::new();
            if let Some(q) = br { items.push(format!("br;q={}.{:03}", q / 1000, q % 1000)); }
            if let Some(q) = gzip { items.push(format!("gzip;q={}.{:03}", q / 1000, q % 1000)); }
            let chosen = AcceptEncoding::parse(&items.join(", ")).preferred(BOTH);
            let weight = |q: Option<u16>| q.unwrap_or(0);
            match chosen {
                Brotli => proptest::prop_assert!(weight(br) > 0 && weight(br) >= weight(gzip)),
                Gzip => proptest::prop_assert!(weight(gzip) > 0 && weight(gzip) > weight(br)),
                Identity => proptest::prop_assert!(weight(br) == 0 && weight(gzip) == 0),
            }
        }
    }
}
