//! Where a webhook may be sent. Read as an attacker would, a webhook URL is a
//! way to make the server send requests into its own network: ClickHouse's
//! HTTP interface runs the `query` of a POST, Postgres and other services
//! listen nearby, and a cloud metadata service hands out credentials. So a
//! [`Guard`] judges every destination before anything connects:
//!
//! - a literal address by [`address::classify`]; the URL parser has already
//!   turned spellings such as `2130706433`, `0x7f.1` or `0177.0.0.1` into
//!   `127.0.0.1`, and IPv6 forms of an IPv4 address are judged by it;
//! - a name by resolving it and judging every address. At delivery the HTTP
//!   client connects only to the addresses that passed ([`GuardedResolver`] is
//!   its resolver), so DNS cannot answer one thing to the check and another to
//!   the connection (rebinding);
//! - cloud metadata names (`metadata.google.internal`) are refused without
//!   resolving, and so are names under suffixes that only exist on a local
//!   network (`*.internal`, `*.local`, `*.localhost`, `*.lan`, `*.home.arpa`…).
//!
//! `SIGHTLINE_WEBHOOK_ALLOW_PRIVATE` lets on-premise receivers through —
//! loopback, private, link-local, carrier-grade NAT and unique local addresses
//! and local names — but never metadata services, multicast, broadcast,
//! documentation or reserved ranges, which are never a receiver.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use reqwest_client::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::address::classify;

/// How long a rule's save waits for DNS before letting the URL through (it
/// is checked again at every delivery).
const SAVE_RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Names of cloud metadata services (their addresses are in [`super::address`] too).
const METADATA_NAMES: [&str; 6] = [
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
];

/// Suffixes public DNS does not serve: their names live on a local network.
const LOCAL_SUFFIXES: [&str; 8] =
    ["localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "home.arpa"];

/// Which destinations webhooks may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    allow_private: bool,
}

/// Why a destination is refused, e.g. "127.0.0.1 is a loopback address".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refused {
    reason: String,
    /// Whether `SIGHTLINE_WEBHOOK_ALLOW_PRIVATE` would let it through.
    pub on_premise: bool,
}

/// Why a webhook's destination cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DestinationError {
    #[error("refused: {0}")]
    Refused(#[from] Refused),
    #[error("could not resolve {0}")]
    Unresolved(String),
}

impl Guard {
    /// Builds a guard; `allow_private` lets receivers on the local network through.
    pub fn new(allow_private: bool) -> Self {
        Guard { allow_private }
    }

    /// Tells whether receivers on the local network are allowed.
    pub fn allows_private(self) -> bool {
        self.allow_private
    }

    /// Judges one address.
    pub fn check_address(self, ip: IpAddr) -> Result<(), Refused> {
        match classify(ip) {
            None => Ok(()),
            Some(kind) if self.allow_private && kind.allowed_on_premise() => Ok(()),
            Some(kind) => {
                Err(Refused { reason: format!("{ip} is {}", kind.describe()), on_premise: kind.allowed_on_premise() })
            }
        }
    }

    /// Judges a name without resolving it: metadata services and local-only suffixes.
    pub fn check_name(self, name: &str) -> Result<(), Refused> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if METADATA_NAMES.contains(&name.as_str()) {
            return Err(Refused { reason: format!("{name} is a cloud metadata service"), on_premise: false });
        }
        let local = LOCAL_SUFFIXES.iter().any(|s| name.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')));
        if local && !self.allow_private {
            return Err(Refused { reason: format!("{name} is a local-network name"), on_premise: true });
        }
        Ok(())
    }

    /// Judges what the HTTP client connects to without asking the resolver:
    /// a literal address. Names are judged as they resolve ([`Guard::resolve`]).
    pub fn check_literal(self, url: &Url) -> Result<(), Refused> {
        match url.host() {
            Some(Host::Ipv4(ip)) => self.check_address(ip.into()),
            Some(Host::Ipv6(ip)) => self.check_address(ip.into()),
            Some(Host::Domain(name)) => self.check_name(name),
            None => Err(Refused { reason: "the URL has no host".into(), on_premise: false }),
        }
    }

    /// Resolves `name` and returns the addresses a request may connect to;
    /// refuses when every address is internal.
    pub async fn resolve(self, name: &str, port: u16) -> Result<Vec<SocketAddr>, DestinationError> {
        self.check_name(name)?;
        // Without its trailing dot: `localhost.` is `localhost` (from the hosts
        // file), not a DNS query; every address found is judged anyway.
        let name = name.trim_end_matches('.');
        let unresolved = || DestinationError::Unresolved(name.to_string());
        if name.is_empty() {
            return Err(unresolved());
        }
        let resolved = tokio::net::lookup_host((name, port)).await.map_err(|_| unresolved())?;
        let mut refused = None;
        let allowed: Vec<SocketAddr> = resolved
            .filter(|addr| self.check_address(addr.ip()).map_err(|r| refused.get_or_insert(r)).is_ok())
            .collect();
        match (allowed.is_empty(), refused) {
            (true, Some(refused)) => Err(refused.into()),
            (true, None) => Err(unresolved()),
            (false, _) => Ok(allowed),
        }
    }

    /// Checks a webhook URL when a rule is saved: refuses a literal internal
    /// address, a metadata or local-only name, and a name that resolves only
    /// to internal addresses. A name that does not resolve now passes (a
    /// receiver may not be set up yet); every delivery checks again. With
    /// private receivers allowed, names are not resolved here.
    pub async fn check_url(self, url: &Url) -> Result<(), Refused> {
        self.check_literal(url)?;
        let (Some(Host::Domain(name)), false) = (url.host(), self.allow_private) else {
            return Ok(());
        };
        let port = url.port_or_known_default().unwrap_or(80);
        match tokio::time::timeout(SAVE_RESOLVE_TIMEOUT, self.resolve(name, port)).await {
            Ok(Err(DestinationError::Refused(refused))) => Err(refused),
            _ => Ok(()),
        }
    }
}

/// The webhook client's DNS resolver: resolves with the system's resolver
/// and hands the client only the addresses its [`Guard`] allows.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver(pub Guard);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0;
        let name = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: the client puts in the URL's port.
            let addrs = guard.resolve(&name, 0).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Guard = Guard { allow_private: false };
    const ON_PREMISE: Guard = Guard { allow_private: true };

    fn refusal(guard: Guard, url: &str) -> Option<String> {
        let url = Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        guard.check_literal(&url).err().map(|r| r.to_string())
    }

    #[test]
    fn every_spelling_of_loopback_is_refused_without_connecting() {
        for url in [
            "http://127.0.0.1/",
            "http://127.0.0.1:8123/?query=DROP",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://017700000001/",
            "http://127.1/",
            "http://127.0.0.1./",
            "http://%31%32%37.0.0.1/",
            "http://①②⑦.⓪.⓪.①/",
            "https://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::127.0.0.1]/",
        ] {
            let why = refusal(STRICT, url).unwrap_or_else(|| panic!("{url} passed"));
            assert!(why.ends_with("is a loopback address"), "{url}: {why}");
        }
    }

    #[test]
    fn internal_ranges_are_refused_with_their_reason() {
        for (url, why) in [
            ("http://10.0.0.5:8123/", "10.0.0.5 is a private address"),
            ("http://172.16.3.4/", "172.16.3.4 is a private address"),
            ("http://192.168.1.10/", "192.168.1.10 is a private address"),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata service address"),
            ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata service address"),
            ("http://[::ffff:a9fe:a9fe]/", "::ffff:169.254.169.254 is a cloud metadata service address"),
            ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
            ("http://[fe80::1]/", "fe80::1 is a link-local address"),
            ("http://100.64.1.1/", "100.64.1.1 is a carrier-grade NAT (shared) address"),
            ("http://[fd12::1]/", "fd12::1 is a unique local (private) IPv6 address"),
            ("http://0/", "0.0.0.0 is the unspecified address"),
            ("http://0.0.0.0:8000/", "0.0.0.0 is the unspecified address"),
            ("http://[::]/", ":: is the unspecified address"),
            ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
            ("http://[ff02::1]/", "ff02::1 is a multicast address"),
            ("http://255.255.255.255/", "255.255.255.255 is the broadcast address"),
            ("http://192.0.2.1/", "192.0.2.1 is a documentation address"),
            ("http://[2001:db8::1]/", "2001:db8::1 is a documentation address"),
            ("http://198.18.0.1/", "198.18.0.1 is a benchmarking address"),
            ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
            ("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1 is a private address"),
            (
                "http://metadata.google.internal/computeMetadata/v1/",
                "metadata.google.internal is a cloud metadata service",
            ),
            ("http://METADATA.GOOGLE.INTERNAL./", "metadata.google.internal is a cloud metadata service"),
            ("http://metadata/", "metadata is a cloud metadata service"),
            ("http://clickhouse.internal:8123/", "clickhouse.internal is a local-network name"),
            ("http://db.localhost/", "db.localhost is a local-network name"),
            ("http://printer.local./", "printer.local is a local-network name"),
            ("http://nas.home.arpa/", "nas.home.arpa is a local-network name"),
        ] {
            assert_eq!(refusal(STRICT, url).as_deref(), Some(why), "{url}");
        }
    }

    #[test]
    fn public_destinations_pass() {
        for url in [
            "https://hooks.slack.com/services/T/B/X",
            "http://8.8.8.8/",
            "http://[2606:4700:4700::1111]/",
            "http://[64:ff9b::808:808]/",
            "https://example.com./",
            "https://localhost.example.com/",
            "https://internal.example.com/",
        ] {
            assert_eq!(refusal(STRICT, url), None, "{url}");
        }
    }

    #[test]
    fn on_premise_allows_the_local_network_but_never_metadata_or_reserved_ranges() {
        for url in
            ["http://127.0.0.1/", "http://10.1.2.3/", "http://[fd12::1]/", "http://ci.internal/", "http://[fe80::1]/"]
        {
            assert_eq!(refusal(ON_PREMISE, url), None, "{url}");
        }
        for url in [
            "http://169.254.169.254/",
            "http://100.100.100.200/",
            "http://metadata.google.internal/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://0.0.0.0/",
            "http://240.0.0.1/",
        ] {
            assert!(refusal(ON_PREMISE, url).is_some(), "{url}");
        }
        assert!(STRICT.check_address("10.0.0.1".parse().unwrap()).unwrap_err().on_premise);
        assert!(!STRICT.check_address("169.254.169.254".parse().unwrap()).unwrap_err().on_premise);
    }

    // `localhost` resolves from /etc/hosts: no DNS query leaves the machine.
    #[tokio::test]
    async fn a_name_is_judged_by_the_addresses_it_resolves_to() {
        let err = STRICT.resolve("localhost", 80).await.unwrap_err().to_string();
        assert!(err.starts_with("refused: ") && err.ends_with("is a loopback address"), "{err}");
        let addrs = ON_PREMISE.resolve("localhost", 80).await.unwrap();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80), "{addrs:?}");
        for url in ["http://localhost:9/", "http://LocalHost.:9/"] {
            let saved = STRICT.check_url(&Url::parse(url).unwrap()).await.unwrap_err();
            assert!(saved.to_string().ends_with("is a loopback address"), "{url}: {saved}");
        }
        // Refused by name: never resolved.
        assert!(STRICT.resolve("metadata.google.internal", 80).await.unwrap_err().to_string().contains("metadata"));
        assert!(ON_PREMISE.check_url(&Url::parse("http://localhost:9/").unwrap()).await.is_ok());
    }
}
