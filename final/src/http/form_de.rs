//! Query strings and urlencoded forms read into any serde type.
//!
//! A form is a list of `name=value` pairs whose values are all text, so
//! serde's own string deserializer would refuse `page=2` for a `u32`
//! field: it offers a string, and a number is asked for. The deserializer
//! here offers each value as whatever the field asks for, parsing it
//! then (`"2"` as a `u32`, `"on"` as a `bool`, `""` as `None`), as
//! `serde_urlencoded` does for axum and actix-web; written out here, since
//! it is a hundred lines and the errors can then name the field.
//!
//! A name given twice fills a `Vec` field with every value, in order; a
//! single-valued field takes the first, as [`Request::query`](crate::Request::query) does.

use std::collections::HashMap;

use serde::de::value::{Error, SeqDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Reads decoded `pairs` into `T`.
///
/// # Errors
/// serde's message, after the field's name: `page: invalid digit found in
/// string` for `page=two`, `missing field `q`` for a required field absent.
pub(crate) fn from_pairs<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, Error> {
    // Group the values by name, keeping the order names first appear in.
    // The index makes this linear: a search of `grouped` per pair would be
    // quadratic, and a 1 MiB form of 150,000 distinct names took 30 s of CPU.
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (name, value) in pairs {
        match index.get(&name) {
            Some(&at) => grouped[at].1.push(value),
            None => {
                index.insert(name.clone(), grouped.len());
                grouped.push((name, vec![value]));
            }
        }
    }
    T::deserialize(Pairs {
        pairs: grouped.into_iter(),
        value: None,
    })
}

/// The whole form: a map from names to values.
struct Pairs {
    pairs: std::vec::IntoIter<(String, Vec<String>)>,
    /// The value of the name just handed out, with the name for errors.
    value: Option<(String, Vec<String>)>,
}

impl<'de> de::Deserializer<'de> for Pairs {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Pairs {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((name, values)) = self.pairs.next() else {
            return Ok(None);
        };
        let key = seed.deserialize(name.clone().into_deserializer())?;
        self.value = Some((name, values));
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (name, values) = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without its name"))?;
        // The field's name before serde's message, which does not know it.
        seed.deserialize(Values(values))
            .map_err(|err| de::Error::custom(format!("{name}: {err}")))
    }
}

/// The values of one name: a sequence for a `Vec` field, else the first.
struct Values(Vec<String>);

impl Values {
    fn first(self) -> Text {
        Text(self.0.into_iter().next().unwrap_or_default())
    }
}

/// Each method as [`Text`]'s, on the first value.
macro_rules! on_first {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.first().$method(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Values {
    type Error = Error;

    on_first! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(SeqDeserializer::new(self.0.into_iter().map(Text)))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.first() {
            // `?q=` is no answer at all, not an empty one.
            Some(first) if first.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.first().deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.first().deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        i128 u128 bytes byte_buf unit unit_struct tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// One value, parsed as the type the field asks for.
struct Text(String);

impl<'de> IntoDeserializer<'de, Error> for Text {
    type Deserializer = Text;
    fn into_deserializer(self) -> Text {
        self
    }
}

/// `deserialize_u32` and its kin: parse the text, or say what it is not.
macro_rules! parse_as {
    ($($method:ident => $visit:ident as $ty:ty, $what:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.0.trim().parse::<$ty>() {
                    Ok(value) => visitor.$visit(value),
                    Err(_) => Err(de::Error::custom(format!(
                        concat!("expected ", $what, ", found {:?}"),
                        self.0
                    ))),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Text {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    parse_as! {
        deserialize_i8 => visit_i8 as i8, "a whole number from -128 to 127";
        deserialize_i16 => visit_i16 as i16, "a whole number from -32768 to 32767";
        deserialize_i32 => visit_i32 as i32, "a whole number (32 bits)";
        deserialize_i64 => visit_i64 as i64, "a whole number";
        deserialize_u8 => visit_u8 as u8, "a whole number from 0 to 255";
        deserialize_u16 => visit_u16 as u16, "a whole number from 0 to 65535";
        deserialize_u32 => visit_u32 as u32, "a whole number of at least 0 (32 bits)";
        deserialize_u64 => visit_u64 as u64, "a whole number of at least 0";
        deserialize_f32 => visit_f32 as f32, "a number";
        deserialize_f64 => visit_f64 as f64, "a number";
        deserialize_char => visit_char as char, "one character";
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // `on` is what a checked checkbox sends.
        match self.0.trim() {
            "true" | "on" | "1" | "yes" => visitor.visit_bool(true),
            "false" | "off" | "0" | "no" => visitor.visit_bool(false),
            _ => Err(de::Error::custom(format!(
                "expected true or false, found {:?}",
                self.0
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // A unit variant by its name: `?order=desc`.
        visitor.visit_enum(self.0.into_deserializer())
    }

    forward_to_deserialize_any! {
        i128 u128 str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Search {
        q: String,
        page: Option<u32>,
        #[serde(default)]
        tag: Vec<String>,
        #[serde(default)]
        exact: bool,
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_are_parsed_as_their_fields_ask() {
        let search: Search = from_pairs(pairs(&[
            ("q", "rust web"),
            ("page", "2"),
            ("tag", "a"),
            ("tag", "b"),
            ("exact", "on"),
        ]))
        .unwrap();
        assert_eq!(
            search,
            Search {
                q: "rust web".into(),
                page: Some(2),
                tag: vec!["a".into(), "b".into()],
                exact: true
            }
        );
        let bare: Search = from_pairs(pairs(&[("q", ""), ("page", "")])).unwrap();
        assert_eq!((bare.q.as_str(), bare.page), ("", None));
    }

    #[test]
    fn errors_name_the_field_and_what_was_found() {
        let err = from_pairs::<Search>(pairs(&[("q", "x"), ("page", "two")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "page: expected a whole number of at least 0 (32 bits), found \"two\""
        );
        let err = from_pairs::<Search>(pairs(&[("page", "1")])).unwrap_err();
        assert_eq!(err.to_string(), "missing field `q`");
    }
}
