//! Tags and headers: SDKs send them as an object or as a list of
//! `[key, value]` pairs, with values of any type. Both read into one list of
//! text pairs, in the order a `serde_json::Map` used to give them.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::lenient::{skip_scalars, Key, Scalar, Text};

/// Tags or headers given as an object or as an array of `[key, value]`
/// pairs. Values are stringified (numbers, booleans, JSON for containers);
/// null values and malformed pairs are dropped. Objects come out sorted by
/// key with the last of repeated keys winning, as from a `serde_json::Map`.
#[derive(Debug, Default)]
pub struct Pairs<'a>(pub Vec<(Text<'a>, Text<'a>)>);

impl<'de> Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'de>, A::Error> {
                let mut all: Vec<(Text<'de>, Option<Text<'de>>)> = Vec::new();
                while let Some(Key(key)) = map.next_key()? {
                    all.push((key, map.next_value::<PairValue>()?.0));
                }
                // Stable: among equal keys the last one stays last.
                all.sort_by(|a, b| a.0.cmp(&b.0));
                let mut out = Vec::with_capacity(all.len());
                let mut all = all.into_iter().peekable();
                while let Some((key, value)) = all.next() {
                    if all.peek().is_some_and(|(next, _)| *next == key) {
                        continue;
                    }
                    if let Some(value) = value {
                        out.push((key, value));
                    }
                }
                Ok(Pairs(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pairs<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(Pair(pair)) = seq.next_element()? {
                    out.extend(pair);
                }
                Ok(Pairs(out))
            }
            skip_scalars!('de, Pairs<'de>);
        }
        d.deserialize_any(V)
    }
}

/// One `[key, value]` element of a pair list: exactly two elements, a string key.
#[derive(Default)]
struct Pair<'a>(Option<(Text<'a>, Text<'a>)>);

impl<'de> Deserialize<'de> for Pair<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pair<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pair<'de>, A::Error> {
                let Some(key) = seq.next_element::<Scalar>()? else { return Ok(Pair(None)) };
                let Some(PairValue(value)) = seq.next_element()? else { return Ok(Pair(None)) };
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    IgnoredAny.visit_seq(seq)?;
                    return Ok(Pair(None));
                }
                Ok(Pair(match (key, value) {
                    (Scalar::Str(key), Some(value)) => Some((key, value)),
                    _ => None,
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Pair<'de>, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Pair(None))
            }
            skip_scalars!('de, Pair<'de>);
        }
        d.deserialize_any(V)
    }
}

/// A tag or header value as text; `None` for null.
struct PairValue<'a>(Option<Text<'a>>);

impl<'de> Deserialize<'de> for PairValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PairValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, b: bool) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Some(b.to_string().into())))
            }
            fn visit_i64<E>(self, n: i64) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Some(n.to_string().into())))
            }
            fn visit_u64<E>(self, n: u64) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Some(n.to_string().into())))
            }
            fn visit_f64<E>(self, n: f64) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Number::from_f64(n).map(|n| n.to_string().into())))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Some(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Some(Cow::Owned(s.to_owned()))))
            }
            fn visit_string<E>(self, s: String) -> Result<PairValue<'de>, E> {
                Ok(PairValue(Some(Cow::Owned(s))))
            }
            fn visit_unit<E>(self) -> Result<PairValue<'de>, E> {
                Ok(PairValue(None))
            }
            // Containers are rare here: render them as `serde_json::Value` did.
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PairValue<'de>, A::Error> {
                let value = Value::deserialize(SeqAccessDeserializer::new(seq))?;
                Ok(PairValue(Some(value.to_string().into())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PairValue<'de>, A::Error> {
                let value = Value::deserialize(MapAccessDeserializer::new(map))?;
                Ok(PairValue(Some(value.to_string().into())))
            }
        }
        d.deserialize_any(V)
    }
}
