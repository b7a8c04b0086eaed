//! Release health: `session` and `sessions` items (Sentry's release-health
//! protocol, develop.sentry.dev/sdk/telemetry/sessions) read into
//! [`SessionRow`]s.
//!
//! A `session` item is one update of one session: `sid`, `did` (the user),
//! `init` (true on the session's first update), `status` (`ok`, `exited`,
//! `crashed`, `abnormal`, `errored`, and since 2025 `unhandled`: an unhandled
//! error the app survived, which is what `@sentry/browser` 10+ sends where
//! it used to send `crashed`), `errors`, `started`, `timestamp` and
//! `attrs.release` / `attrs.environment`. An SDK sends several updates per
//! session (`init` with `ok`, then `errors: 1`, then `crashed` or `exited`), so
//! a row does not count sessions by itself: as in Relay's session metrics
//! extraction, a session is counted by its `init` update, and it is errored,
//! abnormal or crashed if *any* of its updates says so. Rows keep the session
//! id and queries count distinct ids ([`crate::store::sessions`]), so repeated
//! updates (and an SDK's retries) count a session once. A `sessions` item holds
//! pre-aggregated counts per started minute or hour (`aggregates: [{started,
//! did?, exited, errored, abnormal, crashed, unhandled?}]`); each group is one
//! row with an empty session id, summed as is.
//!
//! A front end never "crashes" the way an app process does: its unhandled
//! errors are its crashes. So a session counts as crashed (`n_crashed`, what
//! the crash-free rates use) when it ended `crashed` *or* `unhandled`;
//! `n_unhandled` keeps the latter apart for the breakdown.
//!
//! Refused, with the reason as the item's `invalid` outcome (the rest of the
//! envelope is kept): an unknown status, a missing or malformed release
//! (Relay drops those too: release health is per release), a session id that
//! is not a UUID, a start or update older than [`MAX_AGE_SECS`] or more than
//! [`MAX_FUTURE_SECS`] ahead of the server's clock, a start after the update.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{limits::truncate, IngestContext};
use crate::store::rows::SessionRow;

/// Oldest accepted session start or update (Relay's `max_session_secs_in_past`).
pub const MAX_AGE_SECS: i64 = 5 * 24 * 3600;
/// Furthest ahead of the server's clock accepted; browsers' clocks drift, so
/// more lenient than Relay's minute.
pub const MAX_FUTURE_SECS: i64 = 3600;
/// Longest release, environment and distinct id kept.
const MAX_NAME: usize = 200;
/// Aggregate groups read from one `sessions` item, at most.
pub const MAX_GROUPS: usize = 1_000;

/// What a `sessions` item turned into: its rows and the reasons of the groups refused.
#[derive(Debug, Default)]
pub struct Aggregates {
    pub rows: Vec<SessionRow>,
    pub invalid: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
struct Attrs {
    #[serde(default)]
    release: Option<Value>,
    #[serde(default)]
    environment: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Update {
    #[serde(default)]
    sid: Option<Value>,
    #[serde(default)]
    did: Option<Value>,
    #[serde(default)]
    seq: Option<Value>,
    #[serde(default)]
    init: Option<Value>,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    started: Option<Value>,
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    attrs: Option<Attrs>,
}

#[derive(Debug, Deserialize)]
struct Group {
    #[serde(default)]
    started: Option<Value>,
    #[serde(default)]
    did: Option<Value>,
    #[serde(default)]
    exited: Option<Value>,
    #[serde(default)]
    errored: Option<Value>,
    #[serde(default)]
    abnormal: Option<Value>,
    #[serde(default)]
    crashed: Option<Value>,
    #[serde(default)]
    unhandled: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct AggregatePayload {
    #[serde(default)]
    aggregates: Vec<Value>,
    #[serde(default)]
    attrs: Option<Attrs>,
}

/// The statuses of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Exited,
    Crashed,
    Abnormal,
    Errored,
    Unhandled,
}

impl Status {
    /// Parses a status; anything but the five names is refused.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "ok" => Status::Ok,
            "exited" => Status::Exited,
            "crashed" => Status::Crashed,
            "abnormal" => Status::Abnormal,
            "errored" => Status::Errored,
            "unhandled" => Status::Unhandled,
            _ => return None,
        })
    }

    /// Returns the protocol's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Exited => "exited",
            Status::Crashed => "crashed",
            Status::Abnormal => "abnormal",
            Status::Errored => "errored",
            Status::Unhandled => "unhandled",
        }
    }
}

/// Reads one `session` item (one update of one session).
pub fn parse_update(payload: &[u8], ctx: &IngestContext) -> Result<SessionRow, &'static str> {
    let update: Update = object(payload)?;
    let sid = update.sid.as_ref().and_then(Value::as_str).and_then(|s| Uuid::try_parse(s.trim()).ok());
    let sid = sid.ok_or("invalid_session_id")?;
    let status = match update.status.as_ref() {
        None | Some(Value::Null) => Status::Ok,
        Some(v) => v.as_str().and_then(Status::parse).ok_or("invalid_status")?,
    };
    let (release, environment) = attrs(update.attrs.as_ref())?;
    let now = ctx.received_at.timestamp();
    let timestamp = match update.timestamp.as_ref() {
        None | Some(Value::Null) => now,
        Some(v) => seconds(v).ok_or("invalid_timestamp")?,
    };
    let started = match update.started.as_ref() {
        None | Some(Value::Null) => timestamp,
        Some(v) => seconds(v).ok_or("invalid_timestamp")?,
    };
    check_time(timestamp, now)?;
    check_time(started, now)?;
    if started > timestamp {
        return Err("started_after_timestamp");
    }
    let errors = update.errors.as_ref().map_or(0, count);
    let unhandled = status == Status::Unhandled;
    let crashed = status == Status::Crashed || unhandled;
    let abnormal = status == Status::Abnormal;
    // Relay's rule: a session with errors, or one that ended badly, is errored.
    let errored = errors > 0 || !matches!(status, Status::Ok | Status::Exited);
    Ok(SessionRow {
        project_id: ctx.project_id,
        row_id: Uuid::new_v4(),
        timestamp: started as u32,
        received_at: now as u32,
        release,
        environment,
        session_id: sid.simple().to_string(),
        distinct_id: distinct_id(update.did.as_ref()),
        status: status.as_str().into(),
        seq: update.seq.as_ref().map_or(0, |v| v.as_u64().unwrap_or(0)),
        errors: errors.min(u64::from(u32::MAX)) as u32,
        n_started: u32::from(update.init.as_ref().and_then(Value::as_bool).unwrap_or(false)),
        n_errored: u32::from(errored),
        n_abnormal: u32::from(abnormal),
        n_crashed: u32::from(crashed),
        n_unhandled: u32::from(unhandled),
    })
}

/// Reads one `sessions` item (pre-aggregated counts).
pub fn parse_aggregates(payload: &[u8], ctx: &IngestContext) -> Result<Aggregates, &'static str> {
    let item: AggregatePayload = object(payload)?;
    let (release, environment) = attrs(item.attrs.as_ref())?;
    let now = ctx.received_at.timestamp();
    let mut out = Aggregates::default();
    for (i, raw) in item.aggregates.iter().enumerate() {
        if i >= MAX_GROUPS {
            out.invalid.push("too_many_groups");
            continue;
        }
        let Ok(group) = Group::deserialize(raw) else {
            out.invalid.push("invalid_payload");
            continue;
        };
        let Some(started) = group.started.as_ref().and_then(seconds) else {
            out.invalid.push("invalid_timestamp");
            continue;
        };
        if let Err(reason) = check_time(started, now) {
            out.invalid.push(reason);
            continue;
        }
        let n = |v: &Option<Value>| v.as_ref().map_or(0, count).min(u64::from(u32::MAX / 8)) as u32;
        let (exited, errored, abnormal) = (n(&group.exited), n(&group.errored), n(&group.abnormal));
        let (unhandled, crashed) = (n(&group.unhandled), n(&group.crashed));
        let total = exited + errored + abnormal + crashed + unhandled;
        if total == 0 {
            continue;
        }
        out.rows.push(SessionRow {
            project_id: ctx.project_id,
            row_id: Uuid::new_v4(),
            timestamp: started as u32,
            received_at: now as u32,
            release: release.clone(),
            environment: environment.clone(),
            session_id: String::new(),
            distinct_id: distinct_id(group.did.as_ref()),
            status: String::new(),
            seq: 0,
            errors: 0,
            n_started: total,
            // The protocol's buckets are disjoint; errored here counts every session with errors.
            n_errored: errored + abnormal + crashed + unhandled,
            n_abnormal: abnormal,
            n_crashed: crashed + unhandled,
            n_unhandled: unhandled,
        });
    }
    Ok(out)
}

/// Reads a JSON object as `T` (serde would also take an array for a struct).
fn object<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, &'static str> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(v @ Value::Object(_)) => T::deserialize(v).map_err(|_| "invalid_payload"),
        _ => Err("invalid_payload"),
    }
}

/// Reads `attrs`: the release (required) and the environment (`production` by default, as Sentry's SDKs).
fn attrs(attrs: Option<&Attrs>) -> Result<(String, String), &'static str> {
    let release = attrs.and_then(|a| a.release.as_ref()).ok_or("missing_release")?;
    let release = match release {
        Value::Null => return Err("missing_release"),
        Value::String(s) => s.trim(),
        _ => return Err("invalid_release"),
    };
    if release.is_empty() {
        return Err("missing_release");
    }
    if release.chars().count() > MAX_NAME || release.chars().any(char::is_control) {
        return Err("invalid_release");
    }
    let environment = match attrs.and_then(|a| a.environment.as_ref()) {
        Some(Value::String(s)) if !s.trim().is_empty() => truncate(s.trim(), MAX_NAME).to_owned(),
        _ => "production".to_owned(),
    };
    Ok((release.to_owned(), environment))
}

/// Refuses a time outside the accepted window around `now`.
fn check_time(secs: i64, now: i64) -> Result<(), &'static str> {
    if secs < now - MAX_AGE_SECS {
        Err("timestamp_too_old")
    } else if secs > now + MAX_FUTURE_SECS {
        Err("timestamp_in_future")
    } else {
        Ok(())
    }
}

/// Reads an RFC 3339 string or epoch seconds.
fn seconds(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.with_timezone(&Utc).timestamp()),
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e11).map(|f| f as i64),
        _ => None,
    }
}

/// Reads a non-negative count; anything else counts as none.
fn count(v: &Value) -> u64 {
    v.as_u64().or_else(|| v.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64)).unwrap_or(0)
}

/// Reads `did`: a string or a number (some SDKs send a numeric user id).
fn distinct_id(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => truncate(s.trim(), MAX_NAME).to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
