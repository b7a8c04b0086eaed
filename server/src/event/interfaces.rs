//! Lenient readers for the parts of an event payload (Sentry calls them
//! interfaces): message, exception and stack frames, user, request, SDK,
//! contexts and measurements. Each reads an object field by field with
//! [`lenient_object`]; a value of any other type reads as empty.

use serde::de::IgnoredAny;
use serde_json::{value::RawValue, Value};

use super::lenient::{lenient_object, reparse, Entries, List, RawObject, Scalar, Text};
use super::model::{Contexts, Exception, Frame, Measurements, NamedContext, Request, User};
use super::pairs::Pairs;

/// A message given as a string or as `{formatted | message, params}`.
#[derive(Default)]
pub(super) struct Message<'a>(pub Option<Text<'a>>);

#[derive(Default)]
struct MessageObject<'a> {
    formatted: Option<Text<'a>>,
    template: Option<Text<'a>>,
    params: Option<Vec<Value>>,
}

lenient_object!('de, MessageObject<'de>, |out, key, map| {
    match key {
        "formatted" => out.formatted = map.next_value::<Scalar>()?.string(),
        "message" => out.template = map.next_value::<Scalar>()?.string(),
        "params" => out.params = map.next_value::<List<Value>>()?.0,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

impl<'de> serde::Deserialize<'de> for Message<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Message<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Message<'de>, E> {
                Ok(Message((!s.is_empty()).then_some(Text::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Message<'de>, E> {
                Ok(Message((!s.is_empty()).then(|| Text::Owned(s.to_owned()))))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Message<'de>, A::Error> {
                use serde::Deserialize;
                let m = MessageObject::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                if m.formatted.is_some() {
                    return Ok(Message(m.formatted));
                }
                Ok(Message(m.template.map(|template| match m.params {
                    Some(params) if !params.is_empty() => Text::Owned(format_percent(&template, &params)),
                    _ => template,
                })))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Message<'de>, A::Error> {
                serde::de::Visitor::visit_seq(IgnoredAny, seq).map(|_| Message(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Message<'de>, E> {
                Ok(Message(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Message<'de>, E> {
                Ok(Message(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Message<'de>, E> {
                Ok(Message(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Message<'de>, E> {
                Ok(Message(None))
            }
            fn visit_unit<E>(self) -> Result<Message<'de>, E> {
                Ok(Message(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Substitutes `%s`-style placeholders in order, as Python's logging does.
fn format_percent(template: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut params = params.iter();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('%', Some('%')) => {
                chars.next();
                out.push('%');
            }
            ('%', Some('s' | 'd' | 'r' | 'i' | 'f')) => {
                let spec = chars.next().unwrap_or('s');
                match params.next() {
                    Some(p) => out.push_str(&value_scalar(p).unwrap_or_else(|| p.to_string())),
                    None => {
                        out.push('%');
                        out.push(spec);
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn value_scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An element of `exception.values`: an exception with a type, a value or frames.
#[derive(Default)]
pub(super) struct ExceptionItem<'a>(pub Option<Exception<'a>>);

#[derive(Default)]
struct ExceptionFields<'a>(Exception<'a>);

lenient_object!('de, ExceptionFields<'de>, |out, key, map| {
    let exc = &mut out.0;
    match key {
        "type" => exc.ty = map.next_value::<Scalar>()?.string(),
        "value" => exc.value = map.next_value::<Scalar>()?.scalar(),
        "module" => exc.module = map.next_value::<Scalar>()?.string(),
        "mechanism" => exc.mechanism = map.next_value::<RawObject>()?.0,
        "stacktrace" => exc.frames = map.next_value::<Stacktrace>()?.0,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

impl<'de> serde::Deserialize<'de> for ExceptionItem<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ExceptionFields(exc) = ExceptionFields::deserialize(d)?;
        let useful = exc.ty.is_some() || exc.value.is_some() || !exc.frames.is_empty();
        Ok(ExceptionItem(useful.then_some(exc)))
    }
}

/// `stacktrace.frames`, keeping only frames that are objects.
#[derive(Default)]
struct Stacktrace<'a>(Vec<Frame<'a>>);

lenient_object!('de, Stacktrace<'de>, |out, key, map| {
    if key == "frames" {
        let frames = map.next_value::<List<FrameItem>>()?.0.unwrap_or_default();
        out.0 = frames.into_iter().filter(|f| f.is_object).map(|f| f.frame).collect();
    } else {
        map.next_value::<IgnoredAny>()?;
    }
});

/// An element of `stacktrace.frames`: any object is a frame, even an empty one.
#[derive(Default)]
struct FrameItem<'a> {
    is_object: bool,
    frame: Frame<'a>,
}

lenient_object!('de, FrameItem<'de>, init = FrameItem { is_object: true, ..FrameItem::default() }, |out, key, map| {
    let frame = &mut out.frame;
    match key {
        "filename" => frame.filename = map.next_value::<Scalar>()?.string(),
        "abs_path" => frame.abs_path = map.next_value::<Scalar>()?.string(),
        "function" => frame.function = map.next_value::<Scalar>()?.string(),
        "module" => frame.module = map.next_value::<Scalar>()?.string(),
        "lineno" => frame.lineno = map.next_value::<Scalar>()?.integer(),
        "colno" => frame.colno = map.next_value::<Scalar>()?.integer(),
        "in_app" => frame.in_app = map.next_value::<Scalar>()?.boolean(),
        "context_line" => frame.context_line = map.next_value::<Scalar>()?.text(),
        "pre_context" => frame.pre_context = lines(map.next_value()?),
        "post_context" => frame.post_context = lines(map.next_value()?),
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

fn lines(list: List<Scalar<'_>>) -> Vec<Text<'_>> {
    list.0.map_or_else(Vec::new, |all| all.into_iter().filter_map(Scalar::text).collect())
}

lenient_object!('de, User<'de>, |out, key, map| {
    match key {
        "id" => out.id = map.next_value::<Scalar>()?.scalar(),
        "email" => out.email = map.next_value::<Scalar>()?.string(),
        "ip_address" => out.ip_address = map.next_value::<Scalar>()?.string(),
        "username" => out.username = map.next_value::<Scalar>()?.scalar(),
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

/// `sdk.name` and `sdk.version`.
#[derive(Default)]
pub(super) struct Sdk<'a> {
    pub name: Option<Text<'a>>,
    pub version: Option<Text<'a>>,
}

lenient_object!('de, Sdk<'de>, |out, key, map| {
    match key {
        "name" => out.name = map.next_value::<Scalar>()?.string(),
        "version" => out.version = map.next_value::<Scalar>()?.scalar(),
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

impl<'a> Request<'a> {
    /// Reads `url` and `headers` from the request object's raw entries.
    pub(super) fn from_entries(entries: Option<Vec<(Text<'a>, &'a RawValue)>>) -> Self {
        let Some(entries) = entries else { return Request::default() };
        let mut request = Request::default();
        for (key, raw) in &entries {
            match key.as_ref() {
                "url" => request.url = reparse::<Scalar>(raw).string(),
                "headers" => request.headers = reparse::<Pairs>(raw).0,
                _ => {}
            }
        }
        request.raw = Some(entries);
        request
    }
}

impl<'a> Contexts<'a> {
    /// Reads the browser, OS and trace contexts from the raw `contexts` object.
    pub(super) fn from_raw(raw: Option<&'a RawValue>) -> Self {
        let Some(raw) = raw else { return Contexts::default() };
        let mut contexts = Contexts { raw: Some(raw), ..Contexts::default() };
        for (key, value) in reparse::<Entries>(raw).0.unwrap_or_default() {
            match key.as_ref() {
                "browser" => contexts.browser = reparse::<Named>(value).named(),
                "os" => contexts.os = reparse::<Named>(value).named(),
                "trace" => contexts.trace_op = reparse::<Trace>(value).0,
                _ => {}
            }
        }
        contexts
    }

    /// Tells whether the payload had no contexts (or an empty object).
    pub fn is_empty(&self) -> bool {
        self.raw.is_none_or(|raw| reparse::<Entries>(raw).0.unwrap_or_default().is_empty())
    }
}

#[derive(Default)]
struct Named<'a> {
    name: Option<Text<'a>>,
    version: Scalar<'a>,
}

impl<'a> Named<'a> {
    fn named(self) -> Option<NamedContext<'a>> {
        let name = self.name?;
        let version = match self.version {
            Scalar::Str(s) => s,
            Scalar::Number(n) => Text::Owned(n.to_string()),
            _ => Text::Borrowed(""),
        };
        Some(NamedContext { name, version })
    }
}

lenient_object!('de, Named<'de>, |out, key, map| {
    match key {
        "name" => out.name = map.next_value::<Scalar>()?.string(),
        "version" => out.version = map.next_value()?,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

#[derive(Default)]
struct Trace<'a>(Option<Text<'a>>);

lenient_object!('de, Trace<'de>, |out, key, map| {
    if key == "op" {
        out.0 = map.next_value::<Scalar>()?.string();
    } else {
        map.next_value::<IgnoredAny>()?;
    }
});

lenient_object!('de, Measurements, |out, key, map| {
    match key {
        "lcp" => out.lcp = map.next_value::<Measurement>()?.0,
        "fcp" => out.fcp = map.next_value::<Measurement>()?.0,
        "cls" => out.cls = map.next_value::<Measurement>()?.0,
        "inp" => out.inp = map.next_value::<Measurement>()?.0,
        "ttfb" => out.ttfb = map.next_value::<Measurement>()?.0,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

/// A measurement given as `{value, unit}` or as a bare number.
#[derive(Default)]
struct Measurement(Option<f64>);

lenient_object!('de, MeasurementObject, |out, key, map| {
    if key == "value" {
        out.0 = map.next_value::<Scalar>()?.float();
    } else {
        map.next_value::<IgnoredAny>()?;
    }
});

#[derive(Default)]
struct MeasurementObject(Option<f64>);

impl<'de> serde::Deserialize<'de> for Measurement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A bare number, or an object whose `value` is one; both via `Scalar`
        // would lose the object, so look at the raw value first.
        let raw = <&'de RawValue>::deserialize(d)?;
        Ok(Measurement(if raw.get().starts_with('{') {
            reparse::<MeasurementObject>(raw).0
        } else {
            reparse::<Scalar>(raw).float()
        }))
    }
}
