//! The client's address, with one rule for every caller (log-in and reset
//! throttles, sessions, ingest's user IP and `{{auto}}`).
//!
//! `X-Forwarded-For` is a list any client can write to: a proxy appends the
//! address it saw, so only the hops added by proxies we trust are facts. The
//! rule (as nginx's `real_ip_recursive`): when the TCP peer is one of
//! `SIGHTLINE_TRUSTED_PROXIES`, walk the header from the right and take the
//! first hop that is not a trusted proxy; otherwise the TCP peer is the
//! client and the header is ignored. A malformed hop stops the walk (what lies
//! left of it was never vouched for), giving the last address that was; when
//! every hop is trusted the left-most one is the client.
//!
//! The default list is empty. Trusting loopback by default would be wrong
//! whenever a local port forwarder (ssh -L, socat, Docker's userland proxy)
//! relays connections without rewriting the header: every client could then
//! pick its own address and walk past the throttles. A missing setting only
//! makes every client behind a proxy share the proxy's address, which shows.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    str::FromStr,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{request::Parts, HeaderMap},
};
use ipnet::IpNet;

/// The header a reverse proxy appends the client's address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// Networks whose connections may tell us the client's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// Parses a comma-separated list of CIDRs (`172.16.0.0/12, ::1/128`); a
    /// bare address means that one host. Empty = trust no proxy.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut nets = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match item.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip.to_canonical()),
                    Err(_) => return Err(format!("{item:?} is not a CIDR such as 10.0.0.0/8 or an IP address")),
                },
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }
}

impl TrustedProxies {
    /// Tells whether `ip` belongs to a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Returns the client's address for a connection from `peer` carrying `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        // Several header lines form one list, in order (RFC 9110 §5.3).
        let hops = headers.get_all(FORWARDED_FOR).iter().rev().flat_map(|line| {
            let text = line.to_str().unwrap_or("\u{0}");
            text.rsplit(',').map(parse_hop)
        });
        for hop in hops {
            match hop {
                Some(ip) if self.contains(ip) => client = ip,
                Some(ip) => return ip,
                None => return client,
            }
        }
        client
    }
}

/// Parses one hop: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>().ok().map(|s| s.ip().to_canonical())
}

/// The client's address of a request, by the rule above (an axum extractor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Gives the trusted proxies to [`ClientIp`]. A trait rather than the app's
/// state type, so `net` (used by `config`) imports nothing above it.
pub trait ProxySettings {
    /// Returns the proxies whose `X-Forwarded-For` hops are believed.
    fn trusted_proxies(&self) -> &TrustedProxies;
}

impl<S: ProxySettings + Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Always set by `into_make_service_with_connect_info`; absent only when a
        // router is driven without a socket, where no header can be vouched for.
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientIp(IpAddr::from([0, 0, 0, 0])));
        };
        Ok(ClientIp(state.trusted_proxies().client_ip(peer.ip(), &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(text: &str) -> TrustedProxies {
        text.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let t = proxies("10.0.0.0/8");
        assert_eq!(t.client_ip(ip("203.0.113.7"), &xff(&["198.51.100.1"])), ip("203.0.113.7"));
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("127.0.0.1"), &xff(&["198.51.100.1"])), ip("127.0.0.1"));
    }

    #[test]
    fn spoofed_left_most_hops_are_ignored() {
        let t = proxies("10.0.0.0/8");
        // The client wrote "1.1.1.1, 2.2.2.2"; our proxy appended what it saw.
        let h = xff(&["1.1.1.1, 2.2.2.2, 203.0.113.7"]);
        assert_eq!(t.client_ip(ip("10.0.0.2"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_through() {
        let t = proxies("10.0.0.0/8, 192.168.1.5");
        let h = xff(&["9.9.9.9, 203.0.113.7, 192.168.1.5", "10.1.1.1"]);
        assert_eq!(t.client_ip(ip("10.0.0.2"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn when_every_hop_is_trusted_the_left_most_is_the_client() {
        let t = proxies("10.0.0.0/8");
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["10.9.9.9, 10.0.0.3"])), ip("10.9.9.9"));
        assert_eq!(t.client_ip(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"), "no header: the peer");
    }

    #[test]
    fn a_malformed_hop_stops_the_walk_at_the_last_vouched_address() {
        let t = proxies("10.0.0.0/8");
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["1.2.3.4, garbage"])), ip("10.0.0.2"));
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["1.2.3.4, unknown, 10.0.0.3"])), ip("10.0.0.3"));
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["1.2.3.4,, 10.0.0.3"])), ip("10.0.0.3"));
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["999.1.1.1"])), ip("10.0.0.2"));
        let bytes = HeaderValue::from_bytes(b"1.2.3.4, \xff").unwrap();
        let mut h = HeaderMap::new();
        h.insert(FORWARDED_FOR, bytes);
        assert_eq!(t.client_ip(ip("10.0.0.2"), &h), ip("10.0.0.2"), "non-UTF-8 header");
    }

    #[test]
    fn ipv6_and_ports_are_understood() {
        let t = proxies("fd00::/8, 10.0.0.0/8");
        assert_eq!(t.client_ip(ip("fd00::1"), &xff(&["2001:db8::7"])), ip("2001:db8::7"));
        assert_eq!(t.client_ip(ip("fd00::1"), &xff(&["[2001:db8::7]:443"])), ip("2001:db8::7"));
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["203.0.113.7:5123"])), ip("203.0.113.7"));
        // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
        assert_eq!(t.client_ip(ip("::ffff:10.0.0.2"), &xff(&["203.0.113.7"])), ip("203.0.113.7"));
        assert_eq!(t.client_ip(ip("10.0.0.2"), &xff(&["::ffff:203.0.113.7"])), ip("203.0.113.7"));
    }

    #[test]
    fn the_list_parses_cidrs_and_bare_addresses_and_refuses_the_rest() {
        let t = proxies(" 172.16.0.0/12 ,192.168.0.1, ::1 ,");
        assert!(t.contains(ip("172.31.255.1")));
        assert!(t.contains(ip("192.168.0.1")));
        assert!(!t.contains(ip("192.168.0.2")));
        assert!(t.contains(ip("::1")));
        assert_eq!(proxies(""), TrustedProxies::default());
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("caddy".parse::<TrustedProxies>().unwrap_err().contains("\"caddy\""));
    }
}
