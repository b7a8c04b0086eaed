//! Which IP addresses are not on the public internet, and why — the table a
//! webhook's destination is checked against ([`super::destination`]). It
//! follows IANA's special-purpose address registries: loopback, private,
//! link-local, carrier-grade NAT, multicast, broadcast, documentation,
//! benchmarking and reserved ranges, and the cloud metadata services. IPv6
//! forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible
//! `::a.b.c.d`, translated, NAT64 `64:ff9b::/96`) are judged by that IPv4
//! address, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`; any IPv6
//! address outside global unicast (`2000::/3`) is not public.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// Why an address is not a public internet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    Loopback,
    Private,
    LinkLocal,
    /// A cloud provider's instance metadata service (credentials live there).
    Metadata,
    /// Shared address space of carrier-grade NAT, 100.64.0.0/10.
    SharedCgnat,
    /// IPv6 unique local addresses, fc00::/7.
    UniqueLocal,
    /// Deprecated IPv6 site-local addresses, fec0::/10.
    SiteLocal,
    Unspecified,
    /// 0.0.0.0/8: "this host on this network".
    ThisNetwork,
    Multicast,
    Broadcast,
    Documentation,
    Benchmarking,
    Reserved,
}

impl Internal {
    /// Describes the kind as it reads after "<address> is", e.g. "a loopback address".
    pub fn describe(self) -> &'static str {
        match self {
            Internal::Loopback => "a loopback address",
            Internal::Private => "a private address",
            Internal::LinkLocal => "a link-local address",
            Internal::Metadata => "a cloud metadata service address",
            Internal::SharedCgnat => "a carrier-grade NAT (shared) address",
            Internal::UniqueLocal => "a unique local (private) IPv6 address",
            Internal::SiteLocal => "a site-local IPv6 address",
            Internal::Unspecified => "the unspecified address",
            Internal::ThisNetwork => "a \"this network\" address",
            Internal::Multicast => "a multicast address",
            Internal::Broadcast => "the broadcast address",
            Internal::Documentation => "a documentation address",
            Internal::Benchmarking => "a benchmarking address",
            Internal::Reserved => "a reserved address",
        }
    }

    /// Tells whether an on-premise install may send webhooks there
    /// (`SIGHTLINE_WEBHOOK_ALLOW_PRIVATE`): a receiver on the local network
    /// can live at these, while metadata services, multicast, broadcast and
    /// reserved ranges are never a receiver.
    pub fn allowed_on_premise(self) -> bool {
        matches!(
            self,
            Internal::Loopback
                | Internal::Private
                | Internal::LinkLocal
                | Internal::SharedCgnat
                | Internal::UniqueLocal
                | Internal::SiteLocal
        )
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

#[allow(clippy::too_many_arguments)]
const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16, len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len)
}

/// IPv4 ranges, the more specific first (the first match wins).
const V4: &[(Ipv4Net, Internal)] = &[
    (v4(0, 0, 0, 0, 32), Internal::Unspecified),
    (v4(0, 0, 0, 0, 8), Internal::ThisNetwork),
    (v4(10, 0, 0, 0, 8), Internal::Private),
    // Alibaba Cloud's metadata service sits inside the CGNAT range.
    (v4(100, 100, 100, 200, 32), Internal::Metadata),
    (v4(100, 64, 0, 0, 10), Internal::SharedCgnat),
    (v4(127, 0, 0, 0, 8), Internal::Loopback),
    // AWS, GCP, Azure, Oracle, OpenStack…; AWS ECS task credentials; Tencent Cloud.
    (v4(169, 254, 169, 254, 32), Internal::Metadata),
    (v4(169, 254, 170, 2, 32), Internal::Metadata),
    (v4(169, 254, 0, 23, 32), Internal::Metadata),
    (v4(169, 254, 0, 0, 16), Internal::LinkLocal),
    (v4(172, 16, 0, 0, 12), Internal::Private),
    (v4(192, 0, 0, 0, 24), Internal::Reserved),
    (v4(192, 0, 2, 0, 24), Internal::Documentation),
    (v4(192, 88, 99, 0, 24), Internal::Reserved),
    (v4(192, 168, 0, 0, 16), Internal::Private),
    (v4(198, 18, 0, 0, 15), Internal::Benchmarking),
    (v4(198, 51, 100, 0, 24), Internal::Documentation),
    (v4(203, 0, 113, 0, 24), Internal::Documentation),
    (v4(224, 0, 0, 0, 4), Internal::Multicast),
    (v4(255, 255, 255, 255, 32), Internal::Broadcast),
    (v4(240, 0, 0, 0, 4), Internal::Reserved),
];

/// IPv6 ranges that carry an IPv4 address in their last 32 bits.
const V6_EMBEDDING_V4: &[Ipv6Net] = &[
    v6(0, 0, 0, 0, 0, 0xffff, 0, 0, 96),    // IPv4-mapped
    v6(0, 0, 0, 0, 0xffff, 0, 0, 0, 96),    // IPv4-translated (SIIT)
    v6(0, 0, 0, 0, 0, 0, 0, 0, 96),         // IPv4-compatible (deprecated)
    v6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0, 96), // NAT64 well-known prefix
];

/// IPv6 ranges, the more specific first; checked after [`V6_EMBEDDING_V4`].
const V6: &[(Ipv6Net, Internal)] = &[
    (v6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0, 48), Internal::Private), // local-use NAT64
    (v6(0x100, 0, 0, 0, 0, 0, 0, 0, 64), Internal::Reserved),    // discard-only
    (v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0, 32), Internal::Documentation),
    // IETF protocol assignments: Teredo (an IPv4 address in disguise), ORCHID, benchmarking…
    (v6(0x2001, 0, 0, 0, 0, 0, 0, 0, 23), Internal::Reserved),
    // 6to4 tunnels to an embedded IPv4 address, deprecated.
    (v6(0x2002, 0, 0, 0, 0, 0, 0, 0, 16), Internal::Reserved),
    (v6(0x3fff, 0, 0, 0, 0, 0, 0, 0, 20), Internal::Documentation),
    (v6(0x5f00, 0, 0, 0, 0, 0, 0, 0, 16), Internal::Reserved), // SRv6 segment ids
    (v6(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254, 128), Internal::Metadata), // AWS, over IPv6
    (v6(0xfc00, 0, 0, 0, 0, 0, 0, 0, 7), Internal::UniqueLocal),
    (v6(0xfe80, 0, 0, 0, 0, 0, 0, 0, 10), Internal::LinkLocal),
    (v6(0xfec0, 0, 0, 0, 0, 0, 0, 0, 10), Internal::SiteLocal),
    (v6(0xff00, 0, 0, 0, 0, 0, 0, 0, 8), Internal::Multicast),
];

const GLOBAL_UNICAST: Ipv6Net = v6(0x2000, 0, 0, 0, 0, 0, 0, 0, 3);

/// Returns why `ip` is not a public internet address, or `None` when it is.
pub fn classify(ip: IpAddr) -> Option<Internal> {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Internal> {
    V4.iter().find(|(net, _)| net.contains(&ip)).map(|(_, kind)| *kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<Internal> {
    // Before the embedding ranges, which contain both.
    if ip == Ipv6Addr::UNSPECIFIED {
        return Some(Internal::Unspecified);
    }
    if ip == Ipv6Addr::LOCALHOST {
        return Some(Internal::Loopback);
    }
    if V6_EMBEDDING_V4.iter().any(|net| net.contains(&ip)) {
        let [.., a, b, c, d] = ip.octets();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    if let Some((_, kind)) = V6.iter().find(|(net, _)| net.contains(&ip)) {
        return Some(*kind);
    }
    (!GLOBAL_UNICAST.contains(&ip)).then_some(Internal::Reserved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(ip: &str) -> Option<Internal> {
        classify(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges_are_named() {
        use Internal::*;
        for (ip, want) in [
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.0.1", LinkLocal),
            ("169.254.169.254", Metadata),
            ("169.254.170.2", Metadata),
            ("169.254.0.23", Metadata),
            ("100.100.100.200", Metadata),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", ThisNetwork),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.88.99.1", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn public_ipv4_neighbours_of_the_ranges_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges_are_named() {
        use Internal::*;
        for (ip, want) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fd00:ec2::254", Metadata),
            ("fec0::1", SiteLocal),
            ("ff02::1", Multicast),
            ("ff05::2", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001::1", Reserved),        // Teredo
            ("2001:2::1", Reserved),      // benchmarking
            ("2002:7f00:1::1", Reserved), // 6to4 of 127.0.0.1
            ("100::1", Reserved),
            ("64:ff9b:1::1", Private),
            ("5f00::1", Reserved),
            ("4000::1", Reserved), // outside global unicast
            ("e000::1", Reserved),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_of_internal_ipv4_are_judged_by_the_ipv4() {
        use Internal::*;
        for (ip, want) in [
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", Metadata),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:0:192.168.0.1", Private), // translated
            ("::127.0.0.1", Loopback),         // compatible
            ("::10.0.0.1", Private),
            ("64:ff9b::127.0.0.1", Loopback), // NAT64
            ("64:ff9b::a9fe:a9fe", Metadata),
            ("64:ff9b::100.64.0.1", SharedCgnat),
            ("64:ff9b::255.255.255.255", Broadcast),
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
    }

    #[test]
    fn public_ipv6_and_nat64_of_public_ipv4_pass() {
        for ip in ["2606:4700:4700::1111", "2a00:1450:4001::200e", "64:ff9b::8.8.8.8", "::ffff:1.1.1.1"] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }

    #[test]
    fn only_local_network_kinds_are_allowed_on_premise() {
        use Internal::*;
        for k in [Loopback, Private, LinkLocal, SharedCgnat, UniqueLocal, SiteLocal] {
            assert!(k.allowed_on_premise(), "{k:?}");
        }
        for k in [Metadata, Unspecified, ThisNetwork, Multicast, Broadcast, Documentation, Benchmarking, Reserved] {
            assert!(!k.allowed_on_premise(), "{k:?}");
        }
    }
}
