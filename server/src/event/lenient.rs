//! Lenient serde building blocks for SDK payloads, shared by the event model
//! and the envelope splitter.
//!
//! Each type here accepts *any* JSON value and keeps only what has the shape
//! it wants (a string, a number, an object of pairs…), so one odd field never
//! rejects an event. Strings borrow from the request body when they contain
//! no escapes. Values the caller does not want are skipped with
//! [`IgnoredAny`], which does not build anything — but serde_json skips
//! without its recursion limit, so payloads are first checked with
//! [`too_deep`], keeping "deep nesting is an error, not a stack overflow"
//! true for the whole payload as it was when payloads became `Value`s.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{value::RawValue, Number};

/// Text from the payload: borrowed unless it had to be unescaped.
pub type Text<'a> = Cow<'a, str>;

/// serde_json's default recursion limit: the 128th nested container fails.
const MAX_DEPTH: usize = 128;

/// Tells whether `json` nests arrays/objects deeper than serde_json accepts.
/// Invalid JSON may give either answer; the parser reports it either way.
pub fn too_deep(json: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut bytes = json.iter();
    while let Some(&b) = bytes.next() {
        match (in_string, b) {
            (true, b'\\') => {
                bytes.next();
            }
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'[' | b'{') => {
                depth += 1;
                if depth >= MAX_DEPTH {
                    return true;
                }
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Reads an already validated raw value again, as `T` (the default if it cannot).
pub fn reparse<'a, T: Deserialize<'a> + Default>(raw: &'a RawValue) -> T {
    serde_json::from_str(raw.get()).unwrap_or_default()
}

/// An object key (or any string), borrowed when possible.
pub struct Key<'a>(pub Text<'a>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value reduced to a scalar; arrays and objects are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    Str(Text<'a>),
    Container,
}

impl<'a> Scalar<'a> {
    /// Returns a non-empty string.
    pub fn string(self) -> Option<Text<'a>> {
        match self {
            Scalar::Str(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// Returns a string, number or boolean as text (releases and ids are often numbers).
    pub fn scalar(self) -> Option<Text<'a>> {
        match self {
            Scalar::Str(s) if !s.is_empty() => Some(s),
            Scalar::Number(n) => Some(Cow::Owned(n.to_string())),
            Scalar::Bool(b) => Some(Cow::Owned(b.to_string())),
            _ => None,
        }
    }

    /// Reads a timestamp given as RFC 3339 text or as (float) seconds since the epoch.
    pub fn timestamp(self) -> Option<f64> {
        let secs = match self {
            Scalar::Number(n) => n.as_f64()?,
            Scalar::Str(s) => match chrono::DateTime::parse_from_rfc3339(&s) {
                Ok(t) => t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6,
                // Some SDKs send naive UTC times without an offset.
                Err(_) => match chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%.f") {
                    Ok(t) => t.and_utc().timestamp_micros() as f64 / 1e6,
                    Err(_) => s.parse::<f64>().ok()?,
                },
            },
            _ => return None,
        };
        secs.is_finite().then_some(secs)
    }

    /// Returns a non-negative integer given as a number or as text (line numbers).
    pub fn integer(self) -> Option<u64> {
        match self {
            Scalar::Number(n) => n.as_u64(),
            Scalar::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// Returns a boolean.
    pub fn boolean(self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Returns any string, even an empty one.
    pub fn text(self) -> Option<Text<'a>> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Returns a finite number.
    pub fn float(self) -> Option<f64> {
        match self {
            Scalar::Number(n) => n.as_f64().filter(|v| v.is_finite()),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Number(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Number(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Scalar<'de>, E> {
                Ok(Number::from_f64(n).map_or(Scalar::Null, Scalar::Number))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(s)))
            }
            fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar<'de>, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| Scalar::Container)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar<'de>, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Scalar::Container)
            }
        }
        d.deserialize_any(V)
    }
}

/// Implements `Deserialize` for a struct read from a JSON object, field by
/// field, the last of repeated keys winning (as with `serde_json::Value`);
/// any other JSON value yields `Default::default()`. The body sees the key as
/// `&str` and must consume exactly one value from `map` per key.
macro_rules! lenient_object {
    ($lt:lifetime, $ty:ty, |$out:ident, $key:ident, $map:ident| $body:block) => {
        $crate::event::lenient::lenient_object!($lt, $ty, init = <$ty>::default(), |$out, $key, $map| $body);
    };
    // `init` is the value an object starts from (non-objects give the default).
    ($lt:lifetime, $ty:ty, init = $init:expr, |$out:ident, $key:ident, $map:ident| $body:block) => {
        impl<$lt> serde::Deserialize<$lt> for $ty {
            fn deserialize<D: serde::Deserializer<$lt>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<$lt> serde::de::Visitor<$lt> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("any JSON value")
                    }
                    fn visit_map<A: serde::de::MapAccess<$lt>>(self, mut $map: A) -> Result<$ty, A::Error> {
                        let mut $out: $ty = $init;
                        while let Some($crate::event::lenient::Key($key)) = $map.next_key()? {
                            let $key: &str = &$key;
                            $body
                        }
                        Ok($out)
                    }
                    $crate::event::lenient::skip_non_objects!($lt, $ty);
                }
                d.deserialize_any(V)
            }
        }
    };
}
pub(crate) use lenient_object;

/// Visitor methods that skip every non-object value and yield the default.
macro_rules! skip_non_objects {
    ($lt:lifetime, $ty:ty) => {
        fn visit_seq<A: serde::de::SeqAccess<$lt>>(self, seq: A) -> Result<$ty, A::Error> {
            serde::de::Visitor::visit_seq(serde::de::IgnoredAny, seq).map(|_| Default::default())
        }
        $crate::event::lenient::skip_scalars!($lt, $ty);
    };
}

/// Visitor methods that yield the default for every scalar.
macro_rules! skip_scalars {
    ($lt:lifetime, $ty:ty) => {
        fn visit_bool<E>(self, _: bool) -> Result<$ty, E> {
            Ok(Default::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<$ty, E> {
            Ok(Default::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<$ty, E> {
            Ok(Default::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<$ty, E> {
            Ok(Default::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<$ty, E> {
            Ok(Default::default())
        }
        fn visit_unit<E>(self) -> Result<$ty, E> {
            Ok(Default::default())
        }
    };
}
pub(crate) use skip_non_objects;
pub(crate) use skip_scalars;

/// A JSON object kept verbatim; `None` for any other value.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawObject<'a>(pub Option<&'a RawValue>);

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Ok(RawObject(raw.get().starts_with('{').then_some(raw)))
    }
}

/// The elements of an array, or of the `{values: […]}` container that SDKs
/// may or may not send; empty for anything else.
#[derive(Debug)]
pub struct Values<T>(pub Vec<T>);

impl<T> Default for Values<T> {
    fn default() -> Self {
        Values(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Values<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Values<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Values<T>, A::Error> {
                Ok(Values(collect(seq)?))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Values<T>, A::Error> {
                let mut out = Values(Vec::new());
                while let Some(Key(key)) = map.next_key()? {
                    if key == "values" {
                        out = Values(map.next_value::<List<T>>()?.0.unwrap_or_default());
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
            skip_scalars!('de, Values<T>);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The elements of an array; `None` for anything else.
#[derive(Debug)]
pub struct List<T>(pub Option<Vec<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<List<T>, A::Error> {
                Ok(List(Some(collect(seq)?)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<List<T>, A::Error> {
                IgnoredAny.visit_map(map).map(|_| List(None))
            }
            skip_scalars!('de, List<T>);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

fn collect<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
    while let Some(item) = seq.next_element()? {
        out.push(item);
    }
    Ok(out)
}

/// The entries of an object, values kept verbatim; `None` for anything else.
#[derive(Debug, Default)]
pub struct Entries<'a>(pub Option<Vec<(Text<'a>, &'a RawValue)>>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(Key(key)) = map.next_key()? {
                    out.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Entries(Some(out)))
            }
            skip_non_objects!('de, Entries<'de>);
        }
        d.deserialize_any(V)
    }
}
