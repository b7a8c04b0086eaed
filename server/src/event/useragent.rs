//! Browser and operating system of the user an event happened to.
//!
//! SDKs that know them send `contexts.browser` / `contexts.os`; the browser SDK
//! usually does not, so, like Relay, we fall back to parsing a User-Agent: the
//! one recorded in the event's `request.headers` (the page's browser), else the
//! one of the HTTP request that delivered the event (the same browser, for
//! browser SDKs). Parsing uses `woothee`, a small table-driven parser, behind
//! a cache: most events of a site come from a handful of browsers.

use super::limits::{truncate, MAX_NAME};
use super::model::{NamedContext, RawEvent};
use super::useragent_cache;

/// Browser and OS names and versions; empty strings when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub browser: String,
    pub browser_version: String,
    pub os: String,
    pub os_version: String,
}

/// Resolves the client of an event from its contexts, else from a User-Agent.
pub fn resolve(event: &RawEvent, client_user_agent: Option<&str>) -> Client {
    let browser = event.contexts.browser.as_ref().map(bounded);
    let os = event.contexts.os.as_ref().map(bounded);
    let mut client = Client::default();
    if browser.is_none() || os.is_none() {
        let header_ua =
            event.request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("user-agent")).map(|(_, v)| v.as_ref());
        if let Some(ua) = header_ua.or(client_user_agent) {
            client = useragent_cache::parse(ua);
        }
    }
    if let Some((name, version)) = browser {
        client.browser = name;
        client.browser_version = version;
    }
    if let Some((name, version)) = os {
        client.os = name;
        client.os_version = version;
    }
    client
}

/// Parses a User-Agent header into browser and OS; unknown parts stay empty.
pub fn parse_user_agent(ua: &str) -> Client {
    let Some(result) = woothee::parser::Parser::new().parse(ua) else {
        return Client::default();
    };
    let known = |s: &str| -> String {
        if s == woothee::woothee::VALUE_UNKNOWN {
            String::new()
        } else {
            truncate(s, MAX_NAME).to_owned()
        }
    };
    // Crawlers and HTTP libraries are not browsers; their "version" is noise.
    if result.category != "pc" && result.category != "smartphone" && result.category != "mobilephone" {
        return Client::default();
    }
    Client {
        browser: known(result.name),
        browser_version: known(result.version),
        os: known(result.os),
        os_version: known(&result.os_version),
    }
}

/// Bounds the name and version of a context such as `contexts.browser`.
fn bounded(ctx: &NamedContext) -> (String, String) {
    (truncate(&ctx.name, MAX_NAME).to_owned(), truncate(&ctx.version, MAX_NAME).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
        (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

    #[test]
    fn parses_chrome_on_windows() {
        let c = parse_user_agent(CHROME_WIN);
        assert_eq!(c.browser, "Chrome");
        assert_eq!(c.browser_version, "120.0.0.0");
        assert_eq!(c.os, "Windows 10");
    }

    #[test]
    fn leaves_unknown_agents_empty() {
        assert_eq!(parse_user_agent("sentry.python/1.40.0"), Client::default());
        assert_eq!(parse_user_agent(""), Client::default());
        assert_eq!(parse_user_agent("Googlebot/2.1 (+http://www.google.com/bot.html)"), Client::default());
    }

    #[test]
    fn prefers_contexts_over_user_agent() {
        let ev = RawEvent::parse(
            br#"{"contexts":{"browser":{"name":"Firefox","version":"121.0"}},
                 "request":{"headers":[["User-Agent","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"]]}}"#,
        )
        .unwrap();
        let c = resolve(&ev, None);
        assert_eq!((c.browser.as_str(), c.browser_version.as_str()), ("Firefox", "121.0"));
        assert_eq!(c.os, "Windows 10");
    }

    #[test]
    fn falls_back_to_the_request_user_agent() {
        let ev = RawEvent::parse(b"{}").unwrap();
        assert_eq!(resolve(&ev, Some(CHROME_WIN)).browser, "Chrome");
        assert_eq!(resolve(&ev, None), Client::default());
    }
}
