//! A project's allowed origins, Sentry's "Allowed Domains": which web pages
//! may send events with its keys. A browser names the page in `Origin` (or,
//! failing that, `Referer`); the list holds exact hosts (`shop.example.com`,
//! optionally with a scheme and/or port: `https://shop.example.com:8443`),
//! wildcard subdomains (`*.example.com`, which also matches `example.com`) or
//! `*`. An empty list allows every origin, and a request that names no page
//! (a server-side SDK, curl) always passes: the list keeps other sites'
//! browsers out, it is not an authentication. As in Sentry, an `Origin` of
//! `null` (sandboxed frames, `file:` pages) only passes an empty list or `*`.

use axum::http::{header, HeaderMap};

/// Longest pattern accepted, in bytes (a host name is at most 253).
pub const MAX_PATTERN_LEN: usize = 300;
/// Most patterns one project may list.
pub const MAX_PATTERNS: usize = 100;

/// One entry of an allowed-origins list, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    /// `None` = any scheme.
    scheme: Option<String>,
    host: HostPattern,
    /// `None` = any port.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.example.com`: the domain (`example.com`) and every subdomain.
    Subdomains(String),
}

impl OriginPattern {
    /// Parses `*`, `host`, `*.domain`, with an optional `scheme://`, `:port` and trailing path.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bad = |why: &str| {
            Err(format!("{raw:?} is not an origin ({why}); use shop.example.com, *.example.com, https://shop.example.com:8443 or *"))
        };
        if raw.is_empty() || raw.len() > MAX_PATTERN_LEN {
            return bad("empty or too long");
        }
        let (scheme, rest) = match raw.split_once("://") {
            Some(("*", rest)) => (None, rest),
            Some((s, rest)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => {
                (Some(s.to_ascii_lowercase()), rest)
            }
            Some(_) => return bad("bad scheme"),
            None => (None, raw),
        };
        // A path after the host is accepted (Sentry allows one) but not compared.
        let authority = rest.split('/').next().unwrap_or("");
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !authority.ends_with(']') => match p.parse::<u16>() {
                Ok(port) => (h, Some(port)),
                Err(_) if p == "*" => (h, None),
                Err(_) => return bad("bad port"),
            },
            _ => (authority, None),
        };
        let host = host.to_ascii_lowercase();
        let valid_host = |h: &str| {
            !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || "-._[]:".contains(c) || !c.is_ascii())
        };
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(domain) = host.strip_prefix("*.") {
            if !valid_host(domain) {
                return bad("bad domain");
            }
            HostPattern::Subdomains(domain.to_string())
        } else if valid_host(&host) {
            HostPattern::Exact(host)
        } else {
            return bad("bad host");
        };
        Ok(OriginPattern { scheme, host, port })
    }

    fn matches(&self, origin: &url::Url) -> bool {
        if self.scheme.as_deref().is_some_and(|s| s != origin.scheme()) {
            return false;
        }
        if self.port.is_some() && self.port != origin.port_or_known_default() {
            return false;
        }
        let Some(host) = origin.host_str() else { return false };
        match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => host == h,
            HostPattern::Subdomains(domain) => {
                host == domain || host.strip_suffix(domain.as_str()).is_some_and(|p| p.ends_with('.'))
            }
        }
    }
}

/// A project's parsed allowed-origins list.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    patterns: Vec<OriginPattern>,
    any: bool,
}

impl AllowedOrigins {
    /// Parses a stored list; entries that no longer parse are skipped (never match).
    pub fn from_list(list: &[String]) -> Self {
        let patterns: Vec<OriginPattern> = list.iter().filter_map(|p| OriginPattern::parse(p).ok()).collect();
        let any = list.is_empty()
            || patterns.iter().any(|p| p.host == HostPattern::Any && p.scheme.is_none() && p.port.is_none());
        AllowedOrigins { patterns, any }
    }

    /// Checks the page a request comes from; `Err` carries the refused origin.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        if self.any {
            return Ok(());
        }
        let named = headers
            .get(header::ORIGIN)
            .or_else(|| headers.get(header::REFERER))
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string());
        let Some(named) = named else { return Ok(()) };
        let allowed = url::Url::parse(&named).ok().is_some_and(|url| self.patterns.iter().any(|p| p.matches(&url)));
        if allowed {
            Ok(())
        } else {
            // Bounded and printable: it is echoed back in a header.
            let shown: String = named.chars().filter(|c| c.is_ascii_graphic()).take(200).collect();
            Err(shown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(list: &[&str], origin: Option<&str>, referer: Option<&str>) -> bool {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        let mut headers = HeaderMap::new();
        if let Some(o) = origin {
            headers.insert(header::ORIGIN, o.parse().unwrap());
        }
        if let Some(r) = referer {
            headers.insert(header::REFERER, r.parse().unwrap());
        }
        AllowedOrigins::from_list(&list).check(&headers).is_ok()
    }

    #[test]
    fn an_empty_list_or_a_star_allows_everything() {
        assert!(allowed(&[], Some("https://evil.example"), None));
        assert!(allowed(&["*"], Some("https://evil.example"), None));
        assert!(allowed(&["*"], Some("null"), None));
    }

    #[test]
    fn exact_hosts_match_with_or_without_scheme_and_port() {
        let list = ["shop.example.com"];
        assert!(allowed(&list, Some("https://shop.example.com"), None));
        assert!(allowed(&list, Some("http://shop.example.com:8080"), None));
        assert!(allowed(&list, Some("https://SHOP.example.com"), None));
        assert!(!allowed(&list, Some("https://evil.example.com"), None));
        assert!(!allowed(&list, Some("https://shop.example.com.evil.net"), None));
        assert!(!allowed(&list, Some("https://xshop.example.com"), None));

        let list = ["https://shop.example.com"];
        assert!(allowed(&list, Some("https://shop.example.com"), None));
        assert!(!allowed(&list, Some("http://shop.example.com"), None));

        let list = ["http://127.0.0.1:4000"];
        assert!(allowed(&list, Some("http://127.0.0.1:4000"), None));
        assert!(!allowed(&list, Some("http://127.0.0.1:4001"), None));
        assert!(allowed(&["shop.example.com:443"], Some("https://shop.example.com"), None));
    }

    #[test]
    fn wildcards_match_the_domain_and_its_subdomains_only() {
        let list = ["*.example.com"];
        assert!(allowed(&list, Some("https://example.com"), None));
        assert!(allowed(&list, Some("https://a.b.example.com"), None));
        assert!(!allowed(&list, Some("https://badexample.com"), None));
        assert!(!allowed(&list, Some("https://example.com.evil.net"), None));
        assert!(allowed(&["https://*.example.com"], Some("https://www.example.com"), None));
        assert!(!allowed(&["https://*.example.com"], Some("http://www.example.com"), None));
        assert!(allowed(&["*:8080"], Some("http://anything.test:8080"), None));
    }

    #[test]
    fn referer_is_read_when_origin_is_missing() {
        let list = ["shop.example.com"];
        assert!(allowed(&list, None, Some("https://shop.example.com/checkout?x=1")));
        assert!(!allowed(&list, None, Some("https://evil.example/page")));
        // Origin wins over Referer.
        assert!(!allowed(&list, Some("https://evil.example"), Some("https://shop.example.com/")));
    }

    #[test]
    fn requests_naming_no_page_pass_and_null_origins_do_not() {
        assert!(allowed(&["shop.example.com"], None, None));
        assert!(!allowed(&["shop.example.com"], Some("null"), None));
        assert!(!allowed(&["shop.example.com"], Some("garbage"), None));
    }

    #[test]
    fn patterns_are_validated() {
        for good in [
            "*",
            "example.com",
            "*.example.com",
            "https://example.com",
            "example.com:8080",
            "https://x.io/path",
            "localhost",
        ] {
            assert!(OriginPattern::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "https://", "exa mple.com", "example.com:port", "ht tp://x", "*.", &"a".repeat(400)] {
            assert!(OriginPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
