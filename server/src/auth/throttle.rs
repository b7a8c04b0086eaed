//! Log-in and password-reset throttling: token buckets per account (e-mail)
//! and per client address, so neither one password nor one address can be
//! brute-forced, and nobody can mail-bomb an inbox with reset links.
//!
//! Buckets live in memory (a restart resets them) in bounded caches: a key
//! is forgotten once idle for as long as its bucket takes to refill, when it
//! would be full again anyway, and each cache holds at most [`MAX_KEYS`]
//! keys, so guessed e-mails cannot grow memory without bound. moka's
//! admission policy keeps the keys being hammered over a flood of new ones.
//! IPv6 clients are counted per /64, the block one subscriber usually gets.

use std::{
    hash::Hash,
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};

use governor::{clock::Clock, DefaultDirectRateLimiter, Quota, RateLimiter};
use moka::sync::Cache;

/// Keys one cache remembers at most (a few MB each).
pub const MAX_KEYS: u64 = 20_000;

/// Per-account and per-address limiters for log-ins and reset requests.
pub struct LoginThrottle {
    login_account: Buckets<String>,
    login_ip: Buckets<IpAddr>,
    reset_account: Buckets<String>,
    reset_ip: Buckets<IpAddr>,
}

impl LoginThrottle {
    /// Allows `per_account` log-ins per account and `per_ip` per address, per minute.
    pub fn new(per_account: u32, per_ip: u32) -> Self {
        LoginThrottle {
            login_account: Buckets::new(Quota::per_minute(non_zero(per_account)), MAX_KEYS),
            login_ip: Buckets::new(Quota::per_minute(non_zero(per_ip)), MAX_KEYS),
            // A reset link is a mail to a stranger's inbox: a few an hour.
            reset_account: Buckets::new(Quota::per_hour(non_zero(5)), MAX_KEYS),
            reset_ip: Buckets::new(Quota::per_hour(non_zero(30)), MAX_KEYS),
        }
    }

    /// Charges one log-in attempt; `Err(wait)` when either bucket is empty.
    pub fn check(&self, email: &str, ip: IpAddr) -> Result<(), Duration> {
        self.login_ip.check(subscriber(ip))?;
        self.login_account.check(normalise(email))
    }

    /// Charges one password-reset request; `Err(wait)` when either bucket is empty.
    pub fn check_reset(&self, email: &str, ip: IpAddr) -> Result<(), Duration> {
        self.reset_ip.check(subscriber(ip))?;
        self.reset_account.check(normalise(email))
    }
}

impl Default for LoginThrottle {
    /// Five attempts a minute per account, twenty per address.
    fn default() -> Self {
        LoginThrottle::new(5, 20)
    }
}

/// One token bucket per key, in a bounded cache.
struct Buckets<K> {
    quota: Quota,
    cache: Cache<K, Arc<DefaultDirectRateLimiter>>,
}

impl<K: Hash + Eq + Send + Sync + 'static> Buckets<K> {
    fn new(quota: Quota, max_keys: u64) -> Self {
        // An empty bucket is full again after `burst` replenish intervals; a key
        // idle that long is worth nothing, so forgetting it loses nothing.
        let refill = quota.replenish_interval() * quota.burst_size().get();
        Buckets { quota, cache: Cache::builder().max_capacity(max_keys).time_to_idle(refill).build() }
    }

    fn check(&self, key: K) -> Result<(), Duration> {
        let limiter = self.cache.get_with(key, || Arc::new(RateLimiter::direct(self.quota)));
        limiter.check().map_err(|n| n.wait_time_from(governor::clock::DefaultClock::default().now()))
    }
}

fn non_zero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("non-zero")
}

fn normalise(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Maps an IPv6 address to its /64, which one subscriber can fill at will.
fn subscriber(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_on_one_account_waits() {
        let t = LoginThrottle::new(5, 100);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert!(t.check("Ada@example.com", ip).is_ok());
        }
        assert!(t.check("ada@example.com ", ip).is_err(), "case and spaces do not reset the bucket");
        assert!(t.check("bob@example.com", ip).is_ok());
    }

    #[test]
    fn one_ipv6_subscriber_shares_a_bucket_across_its_64() {
        let t = LoginThrottle::new(100, 2);
        assert!(t.check("a@example.com", "2001:db8:1:2::1".parse().unwrap()).is_ok());
        assert!(t.check("b@example.com", "2001:db8:1:2::ffff".parse().unwrap()).is_ok());
        assert!(t.check("c@example.com", "2001:db8:1:2:abcd::9".parse().unwrap()).is_err());
        assert!(t.check("d@example.com", "2001:db8:1:3::1".parse().unwrap()).is_ok(), "another /64");
    }

    #[test]
    fn reset_requests_have_their_own_hourly_buckets() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..5 {
            assert!(t.check_reset("ada@example.com", ip).is_ok());
        }
        let wait = t.check_reset("ada@example.com", ip).unwrap_err();
        assert!(wait > Duration::from_secs(60), "an hourly bucket: {wait:?}");
        assert!(t.check("ada@example.com", ip).is_ok(), "log-in is counted apart");
    }

    #[test]
    fn guessed_keys_do_not_grow_memory_without_bound() {
        let buckets: Buckets<String> = Buckets::new(Quota::per_minute(non_zero(5)), 1_000);
        for i in 0..50_000 {
            let _ = buckets.check(format!("guess-{i}@example.com"));
        }
        buckets.cache.run_pending_tasks();
        let kept = buckets.cache.entry_count();
        assert!(kept <= 1_000, "{kept} keys kept");
        // A key being hammered survives the flood (and stays throttled).
        let hot = Buckets::new(Quota::per_minute(non_zero(3)), 100);
        let mut refused = 0;
        for i in 0..10_000 {
            let _ = hot.check(format!("flood-{i}"));
            if hot.check("victim".to_string()).is_err() {
                refused += 1;
            }
        }
        assert!(refused > 9_000, "the victim's bucket was forgotten: only {refused} refusals");
    }
}
