//! Server-side data scrubbing: Sentry's default data scrubber, applied to an
//! event or transaction payload at ingest, before it is normalised, stored
//! or symbolicated, so a secret never reaches ClickHouse, the spool or a log.
//!
//! With a project's `scrub_data` on (the default), the value under any key
//! whose name contains, in any case, one of [`DEFAULT_SENSITIVE`] or the
//! project's own `sensitive_fields` becomes `"[Filtered]"` — strings,
//! numbers, objects and arrays alike — wherever it is: request body data,
//! headers, cookies, env, extra, contexts, breadcrumb data, tags, user data,
//! stack-frame variables. Lists of `[key, value]` pairs (headers, cookies,
//! tags as SDKs send them) count as keys too, and so do the parameters of
//! query strings (`query_string`, and every `url`). Card numbers
//! ([`cards`]) are replaced inside every string, messages and exception
//! values included. Keys listed in `safe_fields` (exact name, any case) are
//! left as sent, with everything under them. `scrub_ip_addresses` removes
//! `user.ip_address` (so `{{auto}}` is not filled in either),
//! `request.env.REMOTE_ADDR` and `sdk.client_ip`.
//!
//! Most payloads hold nothing to scrub, so a single case-insensitive scan
//! (Aho-Corasick) for the sensitive words, `\u` escapes and card-like digit
//! runs decides first; only a payload that may need it is parsed into a
//! `serde_json::Value`, scrubbed and written back.

pub mod cards;

use std::borrow::Cow;

use aho_corasick::AhoCorasick;
use serde_json::Value;

pub use cards::FILTERED;

/// Key-name fragments that mark a value as secret (Sentry's defaults and Relay's spellings).
pub const DEFAULT_SENSITIVE: [&str; 19] = [
    "password",
    "passwd",
    "secret",
    "api_key",
    "api-key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "private-key",
    "token",
    "session",
    "cookie",
    "authorization",
    "csrf",
    "xsrf",
    "bearer",
];

/// Top-level members never scrubbed: SDK bookkeeping and debug-file ids.
const SKIPPED_TOP_LEVEL: [&str; 2] = ["debug_meta", "sdk"];
/// Words that make a payload worth parsing when IP addresses are scrubbed.
const IP_WORDS: [&str; 3] = ["ip_address", "remote_addr", "client_ip"];

/// A project's scrubbing settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrubSettings {
    pub scrub_data: bool,
    pub scrub_ip_addresses: bool,
    pub sensitive_fields: Vec<String>,
    pub safe_fields: Vec<String>,
}

impl Default for ScrubSettings {
    fn default() -> Self {
        ScrubSettings {
            scrub_data: true,
            scrub_ip_addresses: false,
            sensitive_fields: Vec::new(),
            safe_fields: Vec::new(),
        }
    }
}

/// A compiled scrubber for one project.
#[derive(Debug)]
pub struct Scrubber {
    scrub_data: bool,
    scrub_ip: bool,
    /// Lower-case sensitive fragments: the defaults plus the project's own.
    sensitive: Vec<String>,
    /// Lower-case safe key names.
    safe: Vec<String>,
    /// Finds any sensitive fragment, IP word or `\u` escape in raw bytes, any case.
    pre_check: AhoCorasick,
}

impl Scrubber {
    /// Compiles settings; `None` when they ask for nothing to be scrubbed.
    pub fn new(settings: &ScrubSettings) -> Option<Self> {
        if !settings.scrub_data && !settings.scrub_ip_addresses {
            return None;
        }
        let clean = |list: &[String]| -> Vec<String> {
            list.iter().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect()
        };
        let mut sensitive: Vec<String> = Vec::new();
        if settings.scrub_data {
            sensitive.extend(DEFAULT_SENSITIVE.iter().map(|s| s.to_string()));
            sensitive.extend(clean(&settings.sensitive_fields));
        }
        let mut words: Vec<String> = sensitive.clone();
        words.push("\\u".into());
        if settings.scrub_ip_addresses {
            words.extend(IP_WORDS.iter().map(|s| s.to_string()));
        }
        let pre_check = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .expect("a few hundred short literal patterns always compile");
        Some(Scrubber {
            scrub_data: settings.scrub_data,
            scrub_ip: settings.scrub_ip_addresses,
            sensitive,
            safe: clean(&settings.safe_fields),
            pre_check,
        })
    }

    /// Tells whether client addresses must not be stored (so `{{auto}}` stays empty).
    pub fn drops_ip_addresses(&self) -> bool {
        self.scrub_ip
    }

    /// Returns the payload scrubbed, borrowed unchanged when nothing had to go.
    /// A payload that is not a JSON object is returned as is, for the normaliser
    /// to refuse with its usual error.
    pub fn scrub_payload<'a>(&self, payload: &'a [u8]) -> Cow<'a, [u8]> {
        let may_need = self.pre_check.is_match(payload) || (self.scrub_data && cards::may_contain_card(payload));
        if !may_need {
            return Cow::Borrowed(payload);
        }
        let Ok(Value::Object(mut top)) = serde_json::from_slice::<Value>(payload) else {
            return Cow::Borrowed(payload);
        };
        let mut changed = false;
        if self.scrub_ip {
            changed |= remove_ips(&mut top);
        }
        if self.scrub_data {
            for (key, value) in top.iter_mut() {
                if !SKIPPED_TOP_LEVEL.contains(&key.as_str()) {
                    changed |= self.visit(key, value);
                }
            }
        }
        if !changed {
            return Cow::Borrowed(payload);
        }
        Cow::Owned(serde_json::to_vec(&top).expect("a Value always serialises"))
    }

    fn is_safe(&self, key: &str) -> bool {
        !self.safe.is_empty() && self.safe.iter().any(|s| s.eq_ignore_ascii_case(key))
    }

    fn is_sensitive(&self, key: &str) -> bool {
        let key = key.to_lowercase();
        self.sensitive.iter().any(|s| key.contains(s.as_str()))
    }

    /// Scrubs `value`, found under `key`; true when something changed.
    fn visit(&self, key: &str, value: &mut Value) -> bool {
        if self.is_safe(key) {
            return false;
        }
        if self.is_sensitive(key) {
            return filter(value);
        }
        match value {
            Value::String(s) => {
                let lower = key.to_ascii_lowercase();
                let query_scrubbed = match lower.as_str() {
                    "query_string" => self.scrub_query(s),
                    "url" => match s.split_once('?') {
                        Some((base, query)) => self.scrub_query(query).map(|q| format!("{base}?{q}")),
                        None => None,
                    },
                    _ => None,
                };
                let mut changed = false;
                if let Some(q) = query_scrubbed {
                    *s = q;
                    changed = true;
                }
                if let Some(replaced) = cards::replace_card_numbers(s) {
                    *s = replaced;
                    changed = true;
                }
                changed
            }
            Value::Object(map) => {
                let mut changed = false;
                for (k, v) in map.iter_mut() {
                    changed |= self.visit(k, v);
                }
                changed
            }
            Value::Array(items) => {
                let mut changed = false;
                for item in items.iter_mut() {
                    changed |= match item {
                        // A `[key, value]` pair (headers, cookies, tags, query strings).
                        Value::Array(pair) if pair.len() == 2 && pair[0].is_string() => {
                            let (k, v) = pair.split_at_mut(1);
                            let k = k[0].as_str().unwrap_or_default().to_owned();
                            self.visit(&k, &mut v[0])
                        }
                        other => self.visit(key, other),
                    };
                }
                changed
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }

    /// Filters sensitive parameters of `a=1&token=x`; `None` when none are.
    fn scrub_query(&self, query: &str) -> Option<String> {
        let mut changed = false;
        let parts: Vec<String> = query
            .split('&')
            .map(|part| match part.split_once('=') {
                Some((k, v)) if !v.is_empty() && !self.is_safe(k) && self.is_sensitive(&decode(k)) => {
                    changed = true;
                    format!("{k}={FILTERED}")
                }
                _ => part.to_owned(),
            })
            .collect();
        changed.then(|| parts.join("&"))
    }
}

/// Percent-decodes a query-string key, leniently.
fn decode(key: &str) -> String {
    url::form_urlencoded::parse(key.as_bytes()).next().map(|(k, _)| k.into_owned()).unwrap_or_default()
}

/// Replaces a sensitive value; `null` and booleans carry nothing to hide.
fn filter(value: &mut Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) => false,
        Value::String(s) if s == FILTERED => false,
        _ => {
            *value = Value::String(FILTERED.to_owned());
            true
        }
    }
}

/// Drops the fields known to hold the client's address.
fn remove_ips(top: &mut serde_json::Map<String, Value>) -> bool {
    let mut changed = false;
    if let Some(Value::Object(user)) = top.get_mut("user") {
        changed |= user.remove("ip_address").is_some();
    }
    if let Some(Value::Object(sdk)) = top.get_mut("sdk") {
        changed |= sdk.remove("client_ip").is_some();
    }
    if let Some(Value::Object(request)) = top.get_mut("request") {
        if let Some(Value::Object(env)) = request.get_mut("env") {
            changed |= env.remove("REMOTE_ADDR").is_some();
        }
    }
    changed
}

#[cfg(test)]
mod tests;
