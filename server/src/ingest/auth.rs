//! Finding the public key of an ingest request, in Sentry's order of
//! precedence: the `X-Sentry-Auth` header (or `Authorization: Sentry …`), the
//! `sentry_key` query parameter (browsers, which cannot send custom headers
//! without a CORS preflight), then the DSN in the envelope header. Parsing of
//! the header and the DSN is `sentry-types`'.

use std::str::FromStr;

use axum::http::HeaderMap;
use sentry_types::{Auth, Dsn};

use super::error::IngestError;
use crate::projects::keycache::{KeyCache, KeyEntry};

/// Returns the public key from the headers or query string, if any is present.
pub fn key_from_request(headers: &HeaderMap, query: Option<&str>) -> Result<Option<String>, IngestError> {
    for name in ["x-sentry-auth", "authorization"] {
        let Some(value) = headers.get(name) else { continue };
        let value = value.to_str().map_err(|_| IngestError::BadAuth(format!("{name} is not ASCII")))?;
        if name == "authorization" && !value.trim_start().to_ascii_lowercase().starts_with("sentry ") {
            continue; // e.g. a Bearer token meant for something else
        }
        let auth = Auth::from_str(value).map_err(|e| IngestError::BadAuth(e.to_string()))?;
        return Ok(Some(auth.public_key().to_string()));
    }
    if let Some(query) = query {
        let pairs = url::form_urlencoded::parse(query.as_bytes());
        if let Some((_, key)) = pairs.into_iter().find(|(k, _)| k == "sentry_key") {
            if key.is_empty() {
                return Err(IngestError::BadAuth("empty sentry_key".into()));
            }
            return Ok(Some(key.into_owned()));
        }
    }
    Ok(None)
}

/// Returns the public key of a DSN found in an envelope header.
pub fn key_from_dsn(dsn: &str) -> Result<String, IngestError> {
    let dsn = Dsn::from_str(dsn).map_err(|e| IngestError::BadAuth(format!("invalid DSN in envelope header: {e}")))?;
    Ok(dsn.public_key().to_string())
}

/// Checks `public_key` against the cache for `project_id`.
pub fn authorize(keys: &KeyCache, public_key: &str, project_id: u64) -> Result<KeyEntry, IngestError> {
    let entry = keys.get(public_key).ok_or(IngestError::UnknownKey)?;
    if entry.project_id != project_id {
        return Err(IngestError::WrongProject);
    }
    if !entry.active {
        return Err(IngestError::DisabledKey);
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_wins_over_query() {
        let mut h = HeaderMap::new();
        h.insert("x-sentry-auth", "Sentry sentry_key=fromheader, sentry_version=7, sentry_client=x/1".parse().unwrap());
        assert_eq!(key_from_request(&h, Some("sentry_key=fromquery")).unwrap().as_deref(), Some("fromheader"));
    }

    #[test]
    fn query_key_is_read() {
        let got = key_from_request(&HeaderMap::new(), Some("sentry_version=7&sentry_key=abc")).unwrap();
        assert_eq!(got.as_deref(), Some("abc"));
    }

    #[test]
    fn bearer_authorization_is_not_sentry_auth() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer xyz".parse().unwrap());
        assert_eq!(key_from_request(&h, None).unwrap(), None);
    }

    #[test]
    fn garbage_header_is_an_error() {
        let mut h = HeaderMap::new();
        h.insert("x-sentry-auth", "Basic Zm9vOmJhcg==".parse().unwrap());
        assert!(matches!(key_from_request(&h, None), Err(IngestError::BadAuth(_))));
    }

    #[test]
    fn dsn_key_is_read() {
        assert_eq!(key_from_dsn("https://abc123@o1.example.com/42").unwrap(), "abc123");
        assert!(key_from_dsn("not a dsn").is_err());
    }
}
