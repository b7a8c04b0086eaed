//! The Sentry event payload as Sightline reads it, extracted leniently.
//!
//! SDKs in the wild send polymorphic fields (`message` as a string or an object,
//! `exception` as `{values: […]}` or a bare array, tags as an object or a list
//! of pairs, timestamps as RFC 3339 or float seconds). Deriving strict serde
//! structs would reject whole events over one odd field, so every field is
//! read with the lenient types of [`super::lenient`]: anything of the wrong
//! type is treated as absent, and a repeated key counts once (the last), as in
//! a `serde_json::Value`. Strings borrow from the payload; blobs stored as
//! JSON (contexts, extra, breadcrumbs, mechanisms, the request) are kept as
//! raw JSON slices instead of being built into trees and serialised again.
//! Nesting deeper than serde_json's recursion limit is an error, anywhere in
//! the payload (see [`super::lenient::too_deep`]).

use serde::de::IgnoredAny;
use serde_json::{value::RawValue, Value};
use uuid::Uuid;

use super::interfaces::{ExceptionItem, Message, Sdk};
use super::lenient::{lenient_object, too_deep, Entries, List, RawObject, Scalar, Text, Values};
use super::pairs::Pairs;
use super::PayloadError;

/// An event or transaction payload, with every field optional.
#[derive(Debug, Clone, Default)]
pub struct RawEvent<'a> {
    pub event_id: Option<Uuid>,
    /// Seconds since the Unix epoch (end time, for transactions).
    pub timestamp: Option<f64>,
    pub start_timestamp: Option<f64>,
    pub level: Option<Text<'a>>,
    pub platform: Option<Text<'a>>,
    /// `logentry`/`message`, formatted when the SDK sent a template and params.
    pub message: Option<Text<'a>>,
    /// Chained exceptions, cause first and the main exception last.
    pub exceptions: Vec<Exception<'a>>,
    /// Breadcrumb objects, verbatim.
    pub breadcrumbs: Vec<&'a RawValue>,
    pub tags: Vec<(Text<'a>, Text<'a>)>,
    pub user: User<'a>,
    pub request: Request<'a>,
    pub contexts: Contexts<'a>,
    /// The `extra` object, verbatim.
    pub extra: Option<&'a RawValue>,
    pub release: Option<Text<'a>>,
    pub environment: Option<Text<'a>>,
    pub transaction: Option<Text<'a>>,
    pub culprit: Option<Text<'a>>,
    pub sdk_name: Option<Text<'a>>,
    pub sdk_version: Option<Text<'a>>,
    /// The SDK's grouping override; `None` when absent or empty.
    pub fingerprint: Option<Vec<Text<'a>>>,
    pub measurements: Measurements,
    /// The `debug_meta` object, verbatim (debug IDs of minified files).
    pub debug_meta: Option<&'a RawValue>,
}

/// One exception of the (possibly chained) `exception.values`.
#[derive(Debug, Clone, Default)]
pub struct Exception<'a> {
    pub ty: Option<Text<'a>>,
    pub value: Option<Text<'a>>,
    pub module: Option<Text<'a>>,
    /// The `mechanism` object, verbatim.
    pub mechanism: Option<&'a RawValue>,
    /// Stack frames, outermost first and innermost (where it was thrown) last.
    pub frames: Vec<Frame<'a>>,
}

/// One stack frame.
#[derive(Debug, Clone, Default)]
pub struct Frame<'a> {
    pub filename: Option<Text<'a>>,
    pub abs_path: Option<Text<'a>>,
    pub function: Option<Text<'a>>,
    pub module: Option<Text<'a>>,
    pub lineno: Option<u64>,
    pub colno: Option<u64>,
    pub in_app: Option<bool>,
    pub context_line: Option<Text<'a>>,
    pub pre_context: Vec<Text<'a>>,
    pub post_context: Vec<Text<'a>>,
}

/// The `user` interface.
#[derive(Debug, Clone, Default)]
pub struct User<'a> {
    pub id: Option<Text<'a>>,
    pub email: Option<Text<'a>>,
    pub ip_address: Option<Text<'a>>,
    pub username: Option<Text<'a>>,
}

/// The `request` interface: what Sightline reads, plus the raw entries.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub url: Option<Text<'a>>,
    pub headers: Vec<(Text<'a>, Text<'a>)>,
    /// The object's entries in payload order, values verbatim; `None` if not an object.
    pub raw: Option<Vec<(Text<'a>, &'a RawValue)>>,
}

/// The `contexts` object: verbatim, plus the few contexts Sightline reads.
#[derive(Debug, Clone, Default)]
pub struct Contexts<'a> {
    /// The object, verbatim; `None` when absent or not an object.
    pub raw: Option<&'a RawValue>,
    /// `{name, version}` of `contexts.browser`.
    pub browser: Option<NamedContext<'a>>,
    /// `{name, version}` of `contexts.os`.
    pub os: Option<NamedContext<'a>>,
    /// `contexts.trace.op` (transactions).
    pub trace_op: Option<Text<'a>>,
}

/// A context with a non-empty `name` and a (possibly empty) `version`.
#[derive(Debug, Clone, Default)]
pub struct NamedContext<'a> {
    pub name: Text<'a>,
    pub version: Text<'a>,
}

/// The web vitals among `measurements` (`{value}` objects or bare numbers).
#[derive(Debug, Clone, Copy, Default)]
pub struct Measurements {
    pub lcp: Option<f64>,
    pub fcp: Option<f64>,
    pub cls: Option<f64>,
    pub inp: Option<f64>,
    pub ttfb: Option<f64>,
}

impl<'a> RawEvent<'a> {
    /// Parses a payload, rejecting only non-JSON and non-object payloads.
    pub fn parse(payload: &'a [u8]) -> Result<Self, PayloadError> {
        if too_deep(payload) {
            // Let serde_json word the error exactly as it always has.
            let err = serde_json::from_slice::<Value>(payload).err();
            let err = err.map_or_else(|| "recursion limit exceeded".to_owned(), |e| e.to_string());
            return Err(PayloadError::InvalidJson(err));
        }
        let parsed: Top<'a> = serde_json::from_slice(payload).map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
        parsed.0.ok_or(PayloadError::NotAnObject)
    }

    /// Returns the exception the event is about: the last one, per Sentry's convention.
    pub fn main_exception(&self) -> Option<&Exception<'a>> {
        self.exceptions.last()
    }

    /// Returns the value of the first tag named `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_ref())
    }
}

/// The payload: `None` when it is valid JSON but not an object.
#[derive(Default)]
struct Top<'a>(Option<RawEvent<'a>>);

/// Fields read straight off the top-level object, before assembly.
#[derive(Default)]
struct Fields<'a> {
    event: RawEvent<'a>,
    logentry: Option<Text<'a>>,
    message: Option<Text<'a>>,
}

lenient_object!('de, Fields<'de>, |out, key, map| {
    let ev = &mut out.event;
    match key {
        "event_id" => {
            ev.event_id = map.next_value::<Scalar>()?.string().and_then(|s| Uuid::try_parse(&s).ok())
        }
        "timestamp" => ev.timestamp = map.next_value::<Scalar>()?.timestamp(),
        "start_timestamp" => ev.start_timestamp = map.next_value::<Scalar>()?.timestamp(),
        "level" => ev.level = map.next_value::<Scalar>()?.string(),
        "platform" => ev.platform = map.next_value::<Scalar>()?.string(),
        "logentry" => out.logentry = map.next_value::<Message>()?.0,
        "message" => out.message = map.next_value::<Message>()?.0,
        "exception" => {
            let Values(all) = map.next_value::<Values<ExceptionItem>>()?;
            ev.exceptions = all.into_iter().filter_map(|e| e.0).collect();
        }
        "breadcrumbs" => {
            let Values(all) = map.next_value::<Values<RawObject>>()?;
            ev.breadcrumbs = all.into_iter().filter_map(|b| b.0).collect();
        }
        "tags" => ev.tags = map.next_value::<Pairs>()?.0,
        "user" => ev.user = map.next_value()?,
        "request" => ev.request = Request::from_entries(map.next_value::<Entries>()?.0),
        "contexts" => ev.contexts = Contexts::from_raw(map.next_value::<RawObject>()?.0),
        "extra" => ev.extra = map.next_value::<RawObject>()?.0,
        "debug_meta" => ev.debug_meta = map.next_value::<RawObject>()?.0,
        "release" => ev.release = map.next_value::<Scalar>()?.scalar(),
        "environment" => ev.environment = map.next_value::<Scalar>()?.string(),
        "transaction" => ev.transaction = map.next_value::<Scalar>()?.string(),
        "culprit" => ev.culprit = map.next_value::<Scalar>()?.string(),
        "sdk" => {
            let sdk = map.next_value::<Sdk>()?;
            (ev.sdk_name, ev.sdk_version) = (sdk.name, sdk.version);
        }
        "fingerprint" => {
            let parts: Option<Vec<Text>> = map
                .next_value::<List<Scalar>>()?
                .0
                .map(|all| all.into_iter().filter_map(Scalar::scalar).collect());
            ev.fingerprint = parts.filter(|p| !p.is_empty());
        }
        "measurements" => ev.measurements = map.next_value()?,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

impl<'de> serde::Deserialize<'de> for Top<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Top<'de>, A::Error> {
                use serde::Deserialize;
                let mut fields = Fields::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                fields.event.message = fields.logentry.or(fields.message);
                Ok(Top(Some(fields.event)))
            }
            super::lenient::skip_non_objects!('de, Top<'de>);
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> RawEvent<'static> {
        // A parsed event borrows its payload; let the test's payload live forever.
        let payload: &'static str = Box::leak(v.to_string().into_boxed_str());
        RawEvent::parse(payload.as_bytes()).unwrap()
    }

    #[test]
    fn reads_polymorphic_fields() {
        let ev = raw(json!({
            "message": {"message": "user %s failed %d times (100%%)", "params": ["bob", 3]},
            "exception": [{"type": "Error", "value": 42}],
            "breadcrumbs": [{"message": "a"}, "junk"],
            "tags": [["a", 1], ["b", true], ["c", null], "junk", ["d"]],
            "timestamp": "2024-03-01T12:00:00.500Z",
            "release": 17,
            "user": {"id": 7, "email": ["wrong"]},
        }));
        assert_eq!(ev.message.as_deref(), Some("user bob failed 3 times (100%)"));
        assert_eq!(ev.exceptions[0].value.as_deref(), Some("42"));
        assert_eq!(ev.breadcrumbs.len(), 1);
        assert_eq!(ev.tags, [("a".into(), "1".into()), ("b".into(), "true".into())]);
        assert_eq!(ev.timestamp, Some(1_709_294_400.5));
        assert_eq!(ev.release.as_deref(), Some("17"));
        assert_eq!(ev.user.id.as_deref(), Some("7"));
        assert_eq!(ev.user.email, None);
    }

    #[test]
    fn ignores_wrong_typed_optional_fields() {
        let ev = raw(json!({
            "event_id": "not-a-uuid", "timestamp": {"x": 1}, "level": 3, "exception": "boom",
            "tags": "x", "request": [], "contexts": 1, "sdk": "js", "fingerprint": {},
        }));
        assert_eq!(ev.event_id, None);
        assert_eq!(ev.timestamp, None);
        assert!(ev.exceptions.is_empty() && ev.tags.is_empty() && ev.contexts.is_empty());
        assert_eq!(ev.fingerprint, None);
    }

    #[test]
    fn accepts_event_ids_with_and_without_dashes() {
        let a = raw(json!({"event_id": "9ec79c33ec9942ab8353589fcb2e04dc"}));
        let b = raw(json!({"event_id": "9ec79c33-ec99-42ab-8353-589fcb2e04dc"}));
        assert!(a.event_id.is_some());
        assert_eq!(a.event_id, b.event_id);
    }
}
