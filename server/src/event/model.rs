//! The Sentry event payload as Sightline reads it, extracted leniently.
//!
//! SDKs in the wild send polymorphic fields (`message` as a string or an object,
//! `exception` as `{values: […]}` or a bare array, tags as an object or a list
//! of pairs, timestamps as RFC 3339 or float seconds). Deriving strict serde
//! structs would reject whole events over one odd field, so the payload is
//! parsed into a `serde_json::Value` (serde_json's recursion limit stays on, so
//! deep nesting is an error rather than a stack overflow) and each field is
//! pulled out by hand; anything of the wrong type is treated as absent.

use serde_json::{Map, Value};
use uuid::Uuid;

use super::PayloadError;

/// An event or transaction payload, with every field optional.
#[derive(Debug, Clone, Default)]
pub struct RawEvent {
    pub event_id: Option<Uuid>,
    /// Seconds since the Unix epoch (end time, for transactions).
    pub timestamp: Option<f64>,
    pub start_timestamp: Option<f64>,
    pub level: Option<String>,
    pub platform: Option<String>,
    /// `logentry`/`message`, formatted when the SDK sent a template and params.
    pub message: Option<String>,
    /// Chained exceptions, cause first and the main exception last.
    pub exceptions: Vec<Exception>,
    pub breadcrumbs: Vec<Value>,
    pub tags: Vec<(String, String)>,
    pub user: User,
    pub request: Request,
    pub contexts: Map<String, Value>,
    pub extra: Option<Value>,
    pub release: Option<String>,
    pub environment: Option<String>,
    pub transaction: Option<String>,
    pub culprit: Option<String>,
    pub sdk_name: Option<String>,
    pub sdk_version: Option<String>,
    /// The SDK's grouping override; `None` when absent or empty.
    pub fingerprint: Option<Vec<String>>,
    pub measurements: Map<String, Value>,
}

/// One exception of the (possibly chained) `exception.values`.
#[derive(Debug, Clone, Default)]
pub struct Exception {
    pub ty: Option<String>,
    pub value: Option<String>,
    pub module: Option<String>,
    pub mechanism: Option<Value>,
    /// Stack frames, outermost first and innermost (where it was thrown) last.
    pub frames: Vec<Frame>,
}

/// One stack frame.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub filename: Option<String>,
    pub abs_path: Option<String>,
    pub function: Option<String>,
    pub module: Option<String>,
    pub lineno: Option<u64>,
    pub colno: Option<u64>,
    pub in_app: Option<bool>,
    pub context_line: Option<String>,
    pub pre_context: Vec<String>,
    pub post_context: Vec<String>,
}

/// The `user` interface.
#[derive(Debug, Clone, Default)]
pub struct User {
    pub id: Option<String>,
    pub email: Option<String>,
    pub ip_address: Option<String>,
    pub username: Option<String>,
}

/// The `request` interface: what Sightline reads, plus the raw object.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub url: Option<String>,
    pub headers: Vec<(String, String)>,
    pub raw: Option<Value>,
}

impl RawEvent {
    /// Parses a payload, rejecting only non-JSON and non-object payloads.
    pub fn parse(payload: &[u8]) -> Result<Self, PayloadError> {
        let value: Value = serde_json::from_slice(payload)
            .map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
        match value {
            Value::Object(map) => Ok(Self::from_map(map)),
            _ => Err(PayloadError::NotAnObject),
        }
    }

    /// Extracts the fields Sightline uses from a JSON object.
    pub fn from_map(mut map: Map<String, Value>) -> Self {
        let mut take = |key: &str| map.remove(key).unwrap_or(Value::Null);
        let message = message_text(&take("logentry")).or_else(|| message_text(&take("message")));
        let sdk = take("sdk");
        RawEvent {
            event_id: string(&take("event_id")).and_then(|s| Uuid::try_parse(&s).ok()),
            timestamp: timestamp(&take("timestamp")),
            start_timestamp: timestamp(&take("start_timestamp")),
            level: string(&take("level")),
            platform: string(&take("platform")),
            message,
            exceptions: values(take("exception"))
                .iter()
                .filter_map(exception)
                .collect(),
            breadcrumbs: values(take("breadcrumbs"))
                .into_iter()
                .filter(Value::is_object)
                .collect(),
            tags: pairs(&take("tags")),
            user: user(&take("user")),
            request: request(take("request")),
            contexts: object(take("contexts")),
            extra: Some(take("extra")).filter(Value::is_object),
            release: scalar(&take("release")),
            environment: string(&take("environment")),
            transaction: string(&take("transaction")),
            culprit: string(&take("culprit")),
            sdk_name: string(&sdk["name"]),
            sdk_version: scalar(&sdk["version"]),
            fingerprint: fingerprint(&take("fingerprint")),
            measurements: object(take("measurements")),
        }
    }

    /// Returns the exception the event is about: the last one, per Sentry's convention.
    pub fn main_exception(&self) -> Option<&Exception> {
        self.exceptions.last()
    }

    /// Returns the value of the first tag named `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Returns a non-empty string field.
pub fn string(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Returns a string, number or boolean as text (releases and ids are often numbers).
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a timestamp given as RFC 3339 text or as (float) seconds since the epoch.
pub fn timestamp(v: &Value) -> Option<f64> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6,
            // Some SDKs send naive UTC times without an offset.
            Err(_) => match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
                Ok(t) => t.and_utc().timestamp_micros() as f64 / 1e6,
                Err(_) => s.parse::<f64>().ok()?,
            },
        },
        _ => return None,
    };
    secs.is_finite().then_some(secs)
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Unwraps the `{values: […]}` container that SDKs may or may not send.
fn values(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("values") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Reads a message given as a string or as `{formatted | message, params}`.
fn message_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(map) => {
            if let Some(formatted) = map.get("formatted").and_then(string_ref) {
                return Some(formatted.to_owned());
            }
            let template = map.get("message").and_then(string_ref)?;
            let params = map.get("params").and_then(Value::as_array);
            Some(match params {
                Some(params) if !params.is_empty() => format_percent(template, params),
                _ => template.to_owned(),
            })
        }
        _ => None,
    }
}

fn string_ref(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
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
                    Some(p) => out.push_str(&scalar(p).unwrap_or_else(|| p.to_string())),
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

fn exception(v: &Value) -> Option<Exception> {
    let map = v.as_object()?;
    let frames = map
        .get("stacktrace")
        .and_then(|st| st.get("frames"))
        .and_then(Value::as_array)
        .map(|frames| frames.iter().filter_map(frame).collect())
        .unwrap_or_default();
    let exc = Exception {
        ty: map.get("type").and_then(string),
        value: map.get("value").and_then(scalar),
        module: map.get("module").and_then(string),
        mechanism: map.get("mechanism").filter(|m| m.is_object()).cloned(),
        frames,
    };
    (exc.ty.is_some() || exc.value.is_some() || !exc.frames.is_empty()).then_some(exc)
}

fn frame(v: &Value) -> Option<Frame> {
    let map = v.as_object()?;
    let lines = |key: &str| -> Vec<String> {
        map.get(key)
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let number = |key: &str| match map.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Some(Frame {
        filename: map.get("filename").and_then(string),
        abs_path: map.get("abs_path").and_then(string),
        function: map.get("function").and_then(string),
        module: map.get("module").and_then(string),
        lineno: number("lineno"),
        colno: number("colno"),
        in_app: map.get("in_app").and_then(Value::as_bool),
        context_line: map
            .get("context_line")
            .and_then(Value::as_str)
            .map(str::to_owned),
        pre_context: lines("pre_context"),
        post_context: lines("post_context"),
    })
}

/// Reads tags or headers given as an object or as an array of `[key, value]` pairs.
fn pairs(v: &Value) -> Vec<(String, String)> {
    let stringify = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(scalar(other).unwrap_or_else(|| other.to_string())),
    };
    match v {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), stringify(v)?)))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|pair| match pair.as_array()?.as_slice() {
                [Value::String(k), v] => Some((k.clone(), stringify(v)?)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn user(v: &Value) -> User {
    User {
        id: scalar(&v["id"]),
        email: string(&v["email"]),
        ip_address: string(&v["ip_address"]),
        username: scalar(&v["username"]),
    }
}

fn request(v: Value) -> Request {
    if !v.is_object() {
        return Request::default();
    }
    Request {
        url: string(&v["url"]),
        headers: pairs(&v["headers"]),
        raw: Some(v),
    }
}

fn fingerprint(v: &Value) -> Option<Vec<String>> {
    let parts: Vec<String> = v.as_array()?.iter().filter_map(scalar).collect();
    (!parts.is_empty()).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: Value) -> RawEvent {
        RawEvent::parse(v.to_string().as_bytes()).unwrap()
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
        assert_eq!(
            ev.message.as_deref(),
            Some("user bob failed 3 times (100%)")
        );
        assert_eq!(ev.exceptions[0].value.as_deref(), Some("42"));
        assert_eq!(ev.breadcrumbs.len(), 1);
        assert_eq!(
            ev.tags,
            [("a".into(), "1".into()), ("b".into(), "true".into())]
        );
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
